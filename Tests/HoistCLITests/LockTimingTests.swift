import Foundation
import HoistTestSupport
import Testing
@testable import HoistCLI

/// A lease and heartbeat that would make a running deployment's lock look stale are refused.
@Suite struct LockTimingTests {
    @Test func defaultsAndUsableSettings() throws {
        #expect(try LockTiming.read([:]).get() == LockTiming(leaseSeconds: 120, heartbeatSeconds: 5))
        #expect(try LockTiming.read(["HOIST_LOCK_LEASE": "3", "HOIST_LOCK_HEARTBEAT": "0.5"]).get()
                    == LockTiming(leaseSeconds: 3, heartbeatSeconds: 0.5))
        #expect(try LockTiming.read(["HOIST_LOCK_LEASE": "15", "HOIST_LOCK_HEARTBEAT": "5"]).get().heartbeat == .seconds(5))
    }

    @Test(arguments: [
        (["HOIST_LOCK_LEASE": "0"], "HOIST_LOCK_LEASE='0': must be a whole number of seconds, 1 or more"),
        (["HOIST_LOCK_LEASE": "-5"], "HOIST_LOCK_LEASE='-5'"),
        (["HOIST_LOCK_LEASE": "2m"], "HOIST_LOCK_LEASE='2m'"),
        (["HOIST_LOCK_HEARTBEAT": "nan"], "HOIST_LOCK_HEARTBEAT='nan': must be a number of seconds, 0.1 or more"),
        (["HOIST_LOCK_HEARTBEAT": "1e30"], "HOIST_LOCK_HEARTBEAT='1e30': must be a number of seconds, 0.1 or more and at most 2592000 seconds (30 days)"),
        (["HOIST_LOCK_HEARTBEAT": "100"], "must be at most a third of its lease"),
        // Half the lease raced the "no host confirmed" limit, and the proof that a holder ended.
        (["HOIST_LOCK_HEARTBEAT": "55"], "must be at most a third of its lease (120 s, HOIST_LOCK_LEASE)"),
        // A lease's milliseconds overflowed Int64 and crashed the deployment.
        (["HOIST_LOCK_LEASE": "9223372036854775807"], "HOIST_LOCK_LEASE='9223372036854775807': must be a whole number of seconds, 1 or more and at most 2592000 seconds (30 days)"),
        (["HOIST_LOCK_HEARTBEAT": "inf"], "HOIST_LOCK_HEARTBEAT='inf'"),
        (["HOIST_LOCK_HEARTBEAT": "0"], "HOIST_LOCK_HEARTBEAT='0'"),
        (["HOIST_LOCK_LEASE": "8", "HOIST_LOCK_HEARTBEAT": "5"], "the lock's heartbeat (5 s, HOIST_LOCK_HEARTBEAT) must be at most a third of its lease (8 s, HOIST_LOCK_LEASE)"),
    ])
    func unusableSettingsAreRefused(environment: [String: String], says: String) {
        guard case .failure(let problem) = LockTiming.read(environment) else {
            Issue.record("accepted \(environment)")
            return
        }
        #expect(problem.message.contains(says), "\(problem.message)")
    }

    /// Refused before anything happens: no crash (a heartbeat of `nan` used to trap), exit 2.
    @Test func theDeployCommandRefusesThemAsInvalidInput() throws {
        let scratch = try ScratchDirectory("hoist-lock-timing")
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch)
        let out = try HoistBinary.run(["deploy", "web.yml", "--db", scratch.file("h.sqlite3")],
                                      environment: ["HOME": scratch.path, "HOIST_LOCK_HEARTBEAT": "nan"],
                                      currentDirectory: URL(fileURLWithPath: scratch.path))
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("HOIST_LOCK_HEARTBEAT='nan'"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("h.sqlite3")), "the history is not even opened")
    }
}
