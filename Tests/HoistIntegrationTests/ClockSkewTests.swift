import Foundation
import HoistTestSupport
import Testing

/// Teammates whose clocks disagree, sharing a PostgreSQL history: a laptop ten minutes behind
/// (libfaketime under its `hoist`) deploys after CI. An adversarial run found the laptop's
/// deployment recorded ten minutes in the past, so `hoist list` showed CI's older one as the
/// latest and `hoist rollback` put back the revision the fleet already ran. The coordinator now
/// records on the server's clock (`HistoryStore.clockOffset`).
@Suite("Clock skew between machines")
struct ClockSkewTests {
    static let faketime = "/usr/bin/faketime"

    /// `hoist arguments…` on a machine whose clock is ten minutes slow (`faketime -f -10m`),
    /// with `environment` added; its file times are left alone, so bundles of a revision folder
    /// keep their digests.
    static func onASlowClock(_ arguments: [String], _ environment: [String: String]) throws -> HoistBinary.Output {
        let all = ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging(["NO_FAKE_STAT": "1"]) { $1 }
        return try HoistBinary.runProgram(faketime, ["-f", "-10m", HoistBinary.path] + arguments, environment: all)
    }

    static func ids(_ list: HoistBinary.Output) throws -> [String] {
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stdout)")
        return rows.compactMap { $0["id"] as? String }
    }

    @Test(.timeLimit(.minutes(15)), .enabled(if: FileManager.default.isExecutableFile(atPath: faketime), "needs faketime (scripts/setup)"))
    func aLaptopWithASlowClockIsListedAndRolledBackInTheOrderItDeployed() async throws {
        let url = try TestPostgres.freshDatabase()
        try await DeployScenario.with("skew", hosts: 2) { s in
            let playbook = try s.writePlaybook()
            let ci = SharedHistoryTests.machine(s, "ci", ["HOIST_HISTORY_URL": url])
            let laptop = SharedHistoryTests.machine(s, "laptop", ["HOIST_HISTORY_URL": url])
            var revision = Revision()
            revision.observe(["ApplicationStart"])
            let v1 = try s.revision("v1", revision)
            revision.file("version", "2")
            let v2 = try s.revision("v2", revision)

            let first = try await DeployScenario.offThePool { try HoistBinary.run(["deploy", playbook, "--revision", v1, "--json"], environment: ci) }
            #expect(first.status == 0, "\(first.stderr)")
            let second = try await DeployScenario.offThePool { try Self.onASlowClock(["deploy", playbook, "--revision", v2, "--json"], laptop) }
            #expect(second.status == 0, "\(second.stderr)")
            let (firstID, secondID) = (DeployOutcome(status: first.status, stdout: first.stdout, stderr: first.stderr).deploymentID,
                                       DeployOutcome(status: second.status, stdout: second.stdout, stderr: second.stderr).deploymentID)

            // Newest first from either machine, whatever their clocks say.
            for list in [try HoistBinary.run(["list", "--json"], environment: ci), try Self.onASlowClock(["list", "--json"], laptop)] {
                #expect(list.status == 0, "\(list.stderr)")
                #expect(try Self.ids(list) == [secondID, firstID], "\(list.stdout)")
            }
            // The laptop's v2 is what the fleet runs: rolling back puts v1 back.
            let rollback = try await DeployScenario.offThePool {
                try HoistBinary.run(["rollback", playbook, "--json"], environment: ci)
            }
            #expect(rollback.status == 0, "\(rollback.stderr)")
            #expect(rollback.stderr.contains("rolling back \(s.group) to \(firstID) (\(v1))"), "\(rollback.stderr)")
        }
    }
}
