import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HoistCore
import HoistTestSupport
import Testing

/// Blue/green's `ready_wait`: without `hoist continue`, traffic never moves and the
/// deployment ends Stopped. Runs inside TrafficTests' serialized suite (same hosts).
extension TrafficTests {
    @Test func aReadyWaitWithoutContinueEndsStoppedWithoutMovingTraffic() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
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

    /// `hoist continue` from "another machine": its own history file and state folder, only
    /// the playbook in common; the request travels through the lock on the hosts.
    @Test func continueFromAnotherMachineEndsTheReadyWait() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-continue")
        let playbook = try Self.playbook(scratch, name: "wait.yml", socket: socket, blueGreen: true, group: "traffic-continue")
        try (String(contentsOfFile: playbook, encoding: .utf8) + "  ready_wait: 1800\n").write(toFile: playbook, atomically: true, encoding: .utf8)
        let revision = try Self.revision(scratch, "c-\(UUID().uuidString.prefix(8))")
        let deploy = try HoistBinary.start(["deploy", playbook, "--revision", revision, "--json", "--db", scratch.file("here.db")],
                                           environment: ["HOIST_LOCK_HEARTBEAT": "1"])
        let waiting = await Task.detached { deploy.waitForStdout(containing: "\"phase\":\"Ready\"", seconds: 900) }.value
        guard waiting else {
            deploy.send(SIGTERM)
            let ended = deploy.finish()
            Issue.record("the deployment never reached its ready wait: \(ended.stderr)\n\(ended.stdout.suffix(2000))")
            return
        }
        let elsewhere = ["XDG_STATE_HOME": scratch.file("elsewhere-state")]
        // Without the playbook, a machine whose history does not know the id cannot reach it.
        let unknown = try HoistBinary.run(["continue", "d-ABCDEFGH1", "--db", scratch.file("elsewhere.db")], environment: elsewhere)
        #expect(unknown.status == 2, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("hoist continue d-ABCDEFGH1 PLAYBOOK"))
        let wrongID = try HoistBinary.run(["continue", "d-ABCDEFGH1", playbook, "--db", scratch.file("elsewhere.db")], environment: elsewhere)
        #expect(wrongID.status == 2, "an id that holds no lock is an error: \(wrongID.stderr)")

        let ended = try await Task.detached { () throws -> HoistBinary.Output in
            let id = try #require(Self.deploymentID(deploy.stdoutSoFar()))
            let run = try HoistBinary.run(["continue", id, playbook, "--db", scratch.file("elsewhere.db")], environment: elsewhere)
            #expect(run.status == 0, "\(run.stderr)")
            let result = deploy.finish()
            // The deployment has ended: continuing it again is an error.
            let again = try HoistBinary.run(["continue", id, playbook, "--db", scratch.file("elsewhere.db")], environment: elsewhere)
            #expect(again.status == 2, "a finished deployment cannot be continued: \(again.stderr)")
            return result
        }.value
        #expect(ended.status == 0, "\(ended.stderr)")
        #expect(ended.stdout.contains("\"event\":\"AllowTraffic\""), "traffic moved after the continue")
    }

    /// The ready wait's `hoist continue` suggestion works pasted where the deployment was
    /// started, though the playbook names its own history (`history:`): the command carries
    /// the playbook, so it does not look in the default history.
    @Test func theSuggestedContinueWorksPasted() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-continue-pasted")
        let playbook = try Self.playbook(scratch, name: "wait.yml", socket: socket, blueGreen: true, group: "traffic-continue-pasted")
        try (String(contentsOfFile: playbook, encoding: .utf8) + "  ready_wait: 1800\nhistory: team.db\n")
            .write(toFile: playbook, atomically: true, encoding: .utf8)
        let revision = try Self.revision(scratch, "p-\(UUID().uuidString.prefix(8))")
        // The default history is one that knows nothing of the deployment.
        let here = ["XDG_STATE_HOME": scratch.file("state"), "HOIST_LOCK_HEARTBEAT": "1"]
        let deploy = try HoistBinary.start(["deploy", "wait.yml", "--revision", revision], environment: here, currentDirectory: scratch.url)
        let ended = try await Task.detached { () throws -> HoistBinary.Output in
            guard deploy.waitForStderr(containing: " is ready: ", seconds: 900) else {
                deploy.send(SIGTERM)
                let ended = deploy.finish()
                Issue.record("the deployment never reached its ready wait: \(ended.stderr)\n\(ended.stdout.suffix(2000))")
                return ended
            }
            let notice = try #require(deploy.stderrSoFar().split(separator: "\n").first { $0.contains(" is ready: ") })
            let command = try #require(notice.split(separator: "`").dropFirst().first.map(String.init), "\(notice)")
            #expect(command.hasSuffix(" wait.yml"), "\(command)")
            let pasted = try HoistBinary.runPasted(command, in: scratch.url, environment: here)
            #expect(pasted.status == 0, "\(command): \(pasted.stderr)")
            if pasted.status != 0 { deploy.send(SIGTERM) }
            return deploy.finish()
        }.value
        #expect(ended.status == 0, "\(ended.stderr)")
        #expect(ended.stdout.contains("AllowTraffic Succeeded"), "traffic moved after the pasted continue")
    }

    /// Ctrl-C during the ready wait ends the deployment Stopped on request (not "nobody ran
    /// hoist continue"), and traffic stays where it was.
    @Test func ctrlCInTheReadyWaitIsAStopNotATimeout() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-wait-stop")
        let playbook = try Self.playbook(scratch, name: "wait.yml", socket: socket, blueGreen: true, group: "traffic-wait-stop")
        try (String(contentsOfFile: playbook, encoding: .utf8) + "  ready_wait: 1800\n").write(toFile: playbook, atomically: true, encoding: .utf8)
        let revision = try Self.revision(scratch, "s-\(UUID().uuidString.prefix(8))")
        let deploy = try HoistBinary.start(["deploy", playbook, "--revision", revision, "--json", "--db", scratch.file("h.db")])
        let ended = await Task.detached { () -> HoistBinary.Output in
            if deploy.waitForStdout(containing: "\"phase\":\"Ready\"", seconds: 900) { deploy.send(SIGINT) } else { deploy.send(SIGTERM) }
            return deploy.finish()
        }.value
        #expect(ended.status == 4, "\(ended.stderr)")
        #expect(ended.stdout.contains("stopped on request"), "\(ended.stdout.suffix(1500))")
        #expect(!ended.stdout.contains("nobody ran"))
        #expect(!ended.stdout.contains("\"event\":\"AllowTraffic\""), "traffic did not move")
    }

    static func deploymentID(_ stdout: String) -> String? {
        guard let range = stdout.range(of: #""deployment":"d-[A-Z0-9]{9}""#, options: .regularExpression) else { return nil }
        return String(stdout[range].dropFirst(#""deployment":""#.count).dropLast())
    }
}

/// `original_fleet: TERMINATE`: after the reroute, the original fleet's app is stopped by its
/// own ApplicationStop (the termination hook).
extension TrafficTests {
    @Test func terminatingTheOriginalFleetStopsItsApp() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-terminate")
        let inPlace = try Self.playbook(scratch, name: "inplace.yml", socket: socket, blueGreen: false)
        let playbook = try Self.playbook(scratch, name: "terminate.yml", socket: socket, blueGreen: true)
        try (String(contentsOfFile: playbook, encoding: .utf8) + "  original_fleet: TERMINATE\n  termination_wait: 0\n")
            .write(toFile: playbook, atomically: true, encoding: .utf8)
        let tag = UUID().uuidString.prefix(8)
        let db = scratch.file("h.db")
        // Every web host runs the app and serves, so both fleets have a last successful revision.
        let setup = try HoistBinary.run(["deploy", inPlace, "--revision", try Self.revision(scratch, "t1-\(tag)"), "--config", "AllAtOnce", "--json", "--db", db], environment: [:])
        try #require(setup.status == 0, "\(setup.stderr)")
        let run = try HoistBinary.run(["deploy", playbook, "--revision", try Self.revision(scratch, "t2-\(tag)"), "--json", "--db", db], environment: [:])
        #expect(run.status == 0, "\(run.stderr)")

        let lines = run.stdout.split(separator: "\n").map(String.init)
        let blocked = Set(lines.filter { $0.contains("\"event\":\"AfterBlockTraffic\"") && $0.contains("event_finished") }.compactMap(Self.host))
        let stopped = lines.filter { $0.contains("\"event\":\"ApplicationStop\"") && $0.contains("event_finished") && $0.contains("\"Succeeded\"") }.compactMap(Self.host)
        // The originals (the fleet not installed on) were blocked, then each ran ApplicationStop
        // once more after the reroute.
        #expect(blocked == (try Self.fleetHosts(notInstalledIn: lines)))
        for host in blocked {
            // On a miss, show every line this host's ApplicationStop wrote (status, message, output).
            let events = lines.filter { Self.host($0) == host && ($0.contains("ApplicationStop") || $0.contains("Terminat")) }
            #expect(stopped.filter { $0 == host }.count == 1, "\(host) ran its termination hook:\n\(events.joined(separator: "\n"))")
        }
        let hosts = try Fleet.load().filter { blocked.contains($0.name) }
        for host in hosts {
            let answer = try? await URLSession.shared.data(from: URL(string: "http://\(host.address):8080/health")!)
            #expect(answer == nil, "\(host.name)'s app is stopped")
        }
    }

    static func host(_ line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return object["host"] as? String
    }
}
