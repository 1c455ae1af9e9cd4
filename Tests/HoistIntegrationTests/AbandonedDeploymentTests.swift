import Foundation
import HoistTestSupport
import Testing

/// A coordinator SIGKILLed mid-deployment on this machine: its deployment stays InProgress in
/// the history until the group's next deployment takes its lock over, but `hoist logs
/// --follow` stops following it at once (saying why), and `list` and `show` call it abandoned,
/// without asking the hosts. Following it used to go on forever.
@Suite("A deployment whose coordinator was killed")
struct AbandonedDeploymentTests {
    @Test(.timeLimit(.minutes(15)))
    func followStopsAndListSaysAbandonedOnceItsCoordinatorIsKilled() async throws {
        try await DeployScenario.with("abandon", hosts: 1) { s in
            try s.writePlaybook(config: "AllAtOnce")
            let env = SharedHistoryTests.machine(s, "laptop")
            let host = s.names[0]
            let revision = try s.revision("v1", SharedHistoryTests.talkingRevision(before: 3, after: 3))
            let deploy = try HoistBinary.start(["deploy", s.scratch.file("playbook.yml"), "--revision", revision, "--json"], environment: env)
            defer { try? s.put(host, "/etc/hoist-test/\(s.application).go", "") }
            guard await eventually(within: 600, { s.exists(host, "\(s.observations)/waiting") }) else {
                deploy.send(SIGKILL)
                Issue.record("the hook never started: \(deploy.finish().stderr)")
                return
            }
            let list = try HoistBinary.run(["list", "--json"], environment: env)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stdout)")
            let id = try #require(rows.first?["id"] as? String, "\(list.stdout)")
            #expect(rows.first?["abandoned"] == nil, "its coordinator runs: \(list.stdout)")

            let follow = try HoistBinary.start(["logs", id, "--follow"], environment: env)
            let following = try await DeployScenario.offThePool { follow.waitForStdout(containing: "[stdout] line 3", seconds: 600) }
            #expect(following, "\(follow.stdoutSoFar())")
            deploy.send(SIGKILL)
            _ = try await DeployScenario.offThePool { deploy.finish() }

            let ended = try await DeployScenario.offThePool { follow.waitForExit(seconds: 300) }
            if ended == nil { follow.send(SIGKILL) }
            let followed = try await DeployScenario.offThePool { follow.finish() }
            #expect(ended == 0, "still following five minutes after its coordinator was killed: \(followed.stderr)")
            #expect(followed.stderr.contains("hoist: stopped following \(id): its coordinator, pid \(deploy.pid) on this machine, is gone"),
                    "\(followed.stderr)")

            let after = try HoistBinary.run(["list"], environment: env)
            #expect(after.stdout.contains("abandoned (coordinator gone)"), "\(after.stdout)")
            let show = try HoistBinary.run(["show", id], environment: env)
            #expect(show.stdout.range(of: #"Status +InProgress, abandoned \(coordinator gone\)"#, options: .regularExpression) != nil,
                    "\(show.stdout)")
        }
    }
}
