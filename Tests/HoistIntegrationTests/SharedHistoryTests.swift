import Foundation
import HoistTestSupport
import Testing

/// The shared history on a real PostgreSQL server (scripts/test starts it): deployments on
/// the fleet recorded there, and seen, followed and stopped from another "machine" (another
/// process with its own HOME and state folders that reaches the same server).
@Suite("Shared history on PostgreSQL")
struct SharedHistoryTests {
    /// A hook that prints `before` lines, says it is waiting, waits (at most ten minutes) for
    /// the test's flag, then prints `after` more lines: numbered, so a lost or doubled line shows.
    static func talkingRevision(before: Int, after: Int) -> Revision {
        var revision = Revision()
        revision.hook("AfterInstall", "scripts/talk.sh", body: """
            i=1
            while [ $i -le \(before) ]; do echo "line $i"; i=$((i + 1)); done
            touch /srv/obs/$APPLICATION_NAME/waiting
            n=0
            while [ ! -e /etc/hoist-test/$APPLICATION_NAME.go ]; do
              n=$((n + 1)); [ $n -le 6000 ] || exit 9
              sleep 0.1
            done
            while [ $i -le \(before + after) ]; do echo "line $i"; i=$((i + 1)); done
            """, timeout: 900)
        return revision
    }

    /// Environment of one machine: its own HOME and state folders (so no SQLite file is
    /// shared), plus `extra`.
    static func machine(_ s: DeployScenario, _ name: String, _ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": s.scratch.file(name), "XDG_STATE_HOME": s.scratch.file("\(name)/state"),
         "XDG_CACHE_HOME": s.scratch.file("\(name)/cache")].merging(extra) { $1 }
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.contains("[stdout] line ") }
    }

    @Test(.timeLimit(.minutes(15)))
    func oneMachineDeploysTheOtherListsFollowsAndStopsIt() async throws {
        let url = try TestPostgres.freshDatabase()
        try await DeployScenario.with("shared", hosts: 2) { s in
            // Machine A finds the store through the playbook, machine B through HOIST_HISTORY_URL.
            try s.writePlaybook(config: "OneAtATime", extra: "history: \(url)")
            let laptop = Self.machine(s, "laptop")
            let cron = Self.machine(s, "cron", ["HOIST_HISTORY_URL": url])
            let first = s.names[0]
            let revision = try s.revision("v1", Self.talkingRevision(before: 5, after: 5))
            let deploy = try HoistBinary.start(
                ["deploy", s.scratch.file("playbook.yml"), "--revision", revision, "--json", "--description", "release 7"],
                environment: laptop)
            guard await eventually(within: 600, { s.exists(first, "\(s.observations)/waiting") }) else {
                deploy.send(SIGKILL)
                Issue.record("the hook never started: \(deploy.finish().stderr)")
                return
            }

            let list = try HoistBinary.run(["list", "--json"], environment: cron)
            #expect(list.status == 0, "\(list.stderr)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]], "\(list.stdout)")
            let id = try #require(rows.first?["id"] as? String, "\(list.stdout)")
            #expect(rows.count == 1)
            #expect(rows.first?["status"] as? String == "InProgress")
            #expect(rows.first?["description"] as? String == "release 7")

            // B follows A's running hook: the lines printed before it waits arrive while it waits.
            let follow = try HoistBinary.start(["logs", id, "--follow"], environment: cron)
            let followed = try await DeployScenario.offThePool { follow.waitForStdout(containing: "[stdout] line 5", seconds: 600) }
            #expect(followed, "logs --follow saw the running hook's lines: \(follow.stdoutSoFar())")

            let stop = try HoistBinary.run(["stop", id], environment: cron)
            #expect(stop.status == 0, "\(stop.stderr)")
            #expect(stop.stdout.contains("asked \(id) to stop"), "\(stop.stdout)")
            let stopping = try await DeployScenario.offThePool { deploy.waitForStderr(containing: "hoist: stopping", seconds: 600) }
            #expect(stopping)
            try s.put(first, "/etc/hoist-test/\(s.application).go", "")
            let deployed = try await DeployScenario.offThePool { deploy.finish() }
            let outcome = DeployOutcome(status: deployed.status, stdout: deployed.stdout, stderr: deployed.stderr)
            #expect(outcome.status == 4, "\(outcome.description)")
            #expect(outcome.deploymentID == id)
            #expect(outcome.deploymentStatus == "Stopped")

            let followedAll = try await DeployScenario.offThePool { follow.finish() }
            #expect(followedAll.status == 0, "\(followedAll.stderr)")
            let expected = (1...10).map { "\(first) AfterInstall [stdout] line \($0)" }
            #expect(Self.lines(followedAll.stdout) == expected, "every line once, in order:\n\(followedAll.stdout)")

            let show = try HoistBinary.run(["show", id], environment: cron)
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdout.range(of: #"Description +release 7"#, options: .regularExpression) != nil, "\(show.stdout)")
            #expect(show.stdout.range(of: #"Creator +\S+@\S+ \((cron|ci|terminal)\)"#, options: .regularExpression) != nil, "\(show.stdout)")
            #expect(show.stdout.range(of: #"Status +Stopped"#, options: .regularExpression) != nil, "\(show.stdout)")
            // `continue` finds it through the shared store too (and refuses: it has ended).
            let late = try HoistBinary.run(["continue", id], environment: cron)
            #expect(late.status == 2 && late.stderr.contains("\(id) has already ended (Stopped)"), "\(late.stderr)")
            // Neither machine wrote a history file of its own.
            #expect(!FileManager.default.fileExists(atPath: s.scratch.file("laptop/state/hoist/history.sqlite3")))
            #expect(!FileManager.default.fileExists(atPath: s.scratch.file("cron/state/hoist/history.sqlite3")))
        }
    }

    @Test(.timeLimit(.minutes(15)))
    func restartingTheServerMidDeploymentLosesNoLine() async throws {
        let server = try TestPostgres.privateServer(offset: 1)
        defer { server.down() }
        try await DeployScenario.with("pgrestart", hosts: 1) { s in
            try s.writePlaybook(config: "AllAtOnce")
            let env = Self.machine(s, "a", ["HOIST_HISTORY_URL": server.url])
            let host = s.names[0]
            let revision = try s.revision("v1", Self.talkingRevision(before: 200, after: 300))
            let deploy = try HoistBinary.start(["deploy", s.scratch.file("playbook.yml"), "--revision", revision, "--json"], environment: env)
            guard await eventually(within: 600, { s.exists(host, "\(s.observations)/waiting") }) else {
                deploy.send(SIGKILL)
                Issue.record("the hook never started: \(deploy.finish().stderr)")
                return
            }
            // The server goes away while the hook waits; its next lines come while it is down.
            try server.stop()
            try s.put(host, "/etc/hoist-test/\(s.application).go", "")
            let lost = try await DeployScenario.offThePool { deploy.waitForStderr(containing: "lost the history store", seconds: 600) }
            #expect(lost, "the coordinator said it lost the store")
            try server.start()
            let deployed = try await DeployScenario.offThePool { deploy.finish() }
            let outcome = DeployOutcome(status: deployed.status, stdout: deployed.stdout, stderr: deployed.stderr)
            #expect(outcome.status == 0, "\(outcome.description)")
            #expect(deployed.stderr.contains("is back after"), "\(deployed.stderr)")

            let logs = try HoistBinary.run(["logs", outcome.deploymentID], environment: env)
            #expect(logs.status == 0, "\(logs.stderr)")
            let expected = (1...500).map { "\(host) AfterInstall [stdout] line \($0)" }
            let got = Self.lines(logs.stdout)
            #expect(got.count == 500 && got == expected, "\(got.count) lines; first difference at \(zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
            let show = try HoistBinary.run(["show", outcome.deploymentID], environment: env)
            #expect(show.stdout.range(of: #"Status +Succeeded"#, options: .regularExpression) != nil, "\(show.stdout)")
        }
    }

    @Test func aStoreOutOfReachStopsTheDeploymentBeforeAnyHost() async throws {
        let server = try #require(URLComponents(string: try TestPostgres.serverURL()))
        try await DeployScenario.with("pgdown", hosts: 1) { s in
            try s.writePlaybook()
            var revision = Revision()
            revision.observe(["ApplicationStart"])
            let path = try s.revision("v1", revision)
            let env = Self.machine(s, "a", ["HOIST_HISTORY_URL": "postgresql://hoist@127.0.0.1:\(server.port! - 1000)/hoist?sslmode=disable"])
            let playbook = s.scratch.file("playbook.yml")
            let run = try await DeployScenario.offThePool {
                try HoistBinary.run(["deploy", playbook, "--revision", path], environment: env)
            }
            #expect(run.status == 5, "\(run.stderr)")
            #expect(run.stderr.contains("Cannot reach the history store postgresql://hoist@127.0.0.1:"), "\(run.stderr)")
            #expect(s.deploymentDirs(s.names[0]).isEmpty, "no host was touched")
            #expect(s.observedLines(s.names[0], "order").isEmpty)
        }
    }
}
