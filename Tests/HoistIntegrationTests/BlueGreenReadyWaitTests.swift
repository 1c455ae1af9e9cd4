import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// Blue/green's `ready_wait`: without `hoist continue`, traffic never moves and the
/// deployment ends Stopped. Runs inside TrafficTests' serialized suite (same hosts).
extension TrafficTests {
    @Test func aReadyWaitWithoutContinueEndsStoppedWithoutMovingTraffic() async throws {
        let env = try Self.fleetEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-ready-wait")
        let playbook = try Self.playbook(scratch, name: "wait.yml", socket: socket, blueGreen: true)
        try (String(contentsOfFile: playbook, encoding: .utf8) + "  ready_wait: 1\n").write(toFile: playbook, atomically: true, encoding: .utf8)
        let revision = try Self.revision(scratch, "w-\(UUID().uuidString.prefix(8))")
        let run = try HoistBinary.run(["deploy", playbook, "--revision", revision, "--json", "--db", scratch.file("h.db")], environment: [:])
        #expect(run.status == 4, "\(run.stderr)")
        #expect(run.stdout.contains("\"event\":\"Install\""), "the replacement fleet was installed")
        #expect(!run.stdout.contains("\"event\":\"AllowTraffic\""), "no host was put into rotation")
        #expect(run.stdout.contains("hoist continue d-"), "the verdict says how to continue")
    }

    @Test func continueLeavesTheSignalTheWaitingDeploymentPolls() throws {
        let scratch = try ScratchDirectory("hoist-continue")
        let run = try HoistBinary.run(["continue", "d-ABCDEFGH1"], environment: ["XDG_STATE_HOME": scratch.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("hoist/continue/d-ABCDEFGH1")))
    }
}
