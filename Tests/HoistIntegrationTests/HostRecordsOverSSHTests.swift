import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing

/// The hosts' own records of a deployment, read over SSH by the engine's one reader
/// (`HostRecordsReader`): by `hoist show --refresh`, and by the next deployment through its
/// lock's connections. A deployment that succeeded everywhere but whose end the history lost
/// (a coordinator that exited 7) is recorded Succeeded by either, and so is one whose failed
/// hosts its configuration's minimum healthy hosts allowed.
@Suite(.serialized) struct HostRecordsOverSSHTests {
    /// The history as a coordinator that could not record its end leaves it.
    func unend(_ id: String, in db: String) async throws {
        let sql = "UPDATE deployment SET status = 'InProgress', endTime = NULL WHERE id = '\(id)'; "
            + "UPDATE host SET status = 'InProgress' WHERE deploymentID = '\(id)'"
        let script = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()"
        let (result, _, err) = try await LocalShell.capture("python3 -c \(shellQuote(script)) \(shellQuote(db)) \(shellQuote(sql))")
        try #require(result.succeeded, "\(err)")
    }

    @Test(.timeLimit(.minutes(10)))
    func anUnendedDeploymentIsRecordedFromTheHostsOverSSH() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("hostrecords", hosts: names)
            let first = try group.deploy(try group.revision("v1", version: "v1"))
            #expect(first.status == 0, "\(first.stderr)")
            let id = try #require(try group.list().first?["id"] as? String)

            try await unend(id, in: group.db)
            let shown = try group.hoist(["show", id, "--refresh", "--playbook", group.playbook])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stderr.contains("hoist: updated history: \(id): history said InProgress, every host says Succeeded"), "\(shown.stderr)")
            for name in names { #expect(shown.stdout.contains("  \(name): \(id) Succeeded"), "\(shown.stdout)") }
            #expect(try group.list().first?["status"] as? String == "Succeeded")

            try await unend(id, in: group.db)
            let next = try group.deploy(try group.revision("v2", version: "v2"))
            #expect(next.status == 0, "\(next.stderr)")
            #expect(next.stderr.contains("deployment \(id) by ") && next.stderr.contains("recorded Succeeded"), "\(next.stderr)")
            let list = try group.list()
            #expect(list.count == 2 && list[1]["id"] as? String == id && list[1]["status"] as? String == "Succeeded", "\(list)")
        }
    }

    /// One host of three failed under HalfAtATime, whose minimum (2) the other two met: the
    /// history lost the end, and the hosts' records left it InProgress, then FAILED_AFTER_RESTART.
    @Test(.timeLimit(.minutes(15)))
    func anUnendedDeploymentThatMetItsMinimumIsRecordedSucceededOverSSH() async throws {
        try await withFleetHosts(3) { names in
            let group = try FleetGroup("minhealthy", hosts: names, config: "HalfAtATime")
            let failing = names[2]
            let first = try group.deploy(try group.revision("v1", version: "v1", hookBody: "test \"$HOIST_HOST\" != \(shellQuote(failing))"))
            let id = try #require(try group.list().first?["id"] as? String)
            #expect(try group.list().first?["status"] as? String == "Succeeded", "\(first.stderr)")

            try await unend(id, in: group.db)
            let shown = try group.hoist(["show", id, "--refresh", "--playbook", group.playbook])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stderr.contains("hoist: updated history: \(id): history said InProgress, 2 of 3 hosts say Succeeded and the rest Failed, "
                                          + "enough for CodeDeployDefault.HalfAtATime: Succeeded"), "\(shown.stderr)")
            #expect(shown.stdout.contains("  \(failing): \(id) Failed"), "\(shown.stdout)")
            #expect(try group.list().first?["status"] as? String == "Succeeded")

            try await unend(id, in: group.db)
            let next = try group.deploy(try group.revision("v2", version: "v2"))
            #expect(next.status == 0, "\(next.stderr)")
            #expect(next.stderr.contains("deployment \(id) by ") && next.stderr.contains("2 of 3 hosts say Succeeded and the rest Failed")
                    && next.stderr.contains("recorded Succeeded"), "\(next.stderr)")
            let list = try group.list()
            #expect(list.count == 2 && list[1]["id"] as? String == id && list[1]["status"] as? String == "Succeeded", "\(list)")
        }
    }
}
