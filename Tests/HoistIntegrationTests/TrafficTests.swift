import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// Zero dropped requests: constant HTTP load through the fleet's HAProxy while Hoist deploys
/// in place with traffic control (v1 → v2), blue/green (v2 → v3), and rolls the blue/green
/// deployment back (→ v2). Needs the local fleet (scripts/test brings it up).
@Suite("Traffic control on the local fleet", .serialized, .everyHostAnswers)
struct TrafficTests {
    struct Phase {
        var name: String
        var sent = 0, failed = 0, outOfRotation = 0, oldAfterSwitch = 0, hostsTakenOut = 0
        /// Answers after the switch from a host outside the fleet that should serve.
        var wrongFleetAfterSwitch = 0
    }

    static func revision(_ scratch: ScratchDirectory, _ version: String) throws -> String {
        let dir = scratch.file("rev-\(version)")
        let process = Process()
        process.executableURL = TestPaths.packageRoot.appendingPathComponent("scripts/make-webapp-assets")
        process.arguments = ["--copy-to", dir, "--version", version, "--no-blob"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return dir
    }

    static func playbook(_ scratch: ScratchDirectory, name: String, socket: String, blueGreen: Bool,
                         group: String = "traffic", extra: String = "") throws -> String {
        var text = """
            application: traffic-webapp
            deployment_group: \(group)
            inventory: \(TestPaths.fleetDir.appendingPathComponent("inventory.yml").path)
            targets: {role: web}
            deployment_config: HalfAtATime
            load_balancers:
              - name: fleet-haproxy
                type: haproxy
                socket: \(socket)
                backend: app
                drain_timeout: 10
                health_timeout: 60

            """
        text += extra
        if blueGreen {
            text += "blue_green:\n  fleet_tag: color\n  fleets: [blue, green]\n"
        }
        return try scratch.write(name, text)
    }

    /// Runs hoist while the load runs; returns the phase counts and hoist's output.
    /// `expectedFleet` picks, from hoist's JSON output, the hosts that must answer after the switch.
    static func phase(_ name: String, frontend: String, args: [String], newVersion: String,
                      expectedFleet: (([String]) -> Set<String>)? = nil) async throws -> (Phase, HoistBinary.Output) {
        let load = TrafficLoad(frontend: frontend)
        let loadTask = Task { await load.run() }
        let output = try await HoistBinary.runDetached(args)
        let switched = Date()
        // A bounded tail after the switch, to check who answers now.
        let tail = TrafficLoad(frontend: frontend)
        await tail.run(loops: 2, maxRequests: 100, maxSeconds: 30)
        load.stop()
        await loadTask.value
        let responses = load.responses.current + tail.responses.current
        let windows = RotationWindows(jsonLines: output.stdout.split(separator: "\n").map(String.init))
        var counts = Phase(name: name)
        counts.sent = responses.count
        counts.failed = responses.filter { !$0.ok }.count
        counts.outOfRotation = windows.violations(responses).count
        counts.hostsTakenOut = windows.windows.count
        counts.oldAfterSwitch = responses.filter { $0.start > switched && $0.ok && $0.version != newVersion }.count
        if let expected = expectedFleet?(output.stdout.split(separator: "\n").map(String.init)) {
            counts.wrongFleetAfterSwitch = responses.filter { $0.start > switched && $0.ok && !expected.contains($0.host ?? "") }.count
        }
        for failure in responses.filter({ !$0.ok }).prefix(20) {
            print("traffic: \(name): failed request at \(failure.start) after \(String(format: "%.3f", failure.end.timeIntervalSince(failure.start))) s: status \(failure.status.map(String.init) ?? "none") \(failure.error ?? failure.body.prefix(200).description)")
        }
        print("traffic: \(name): \(counts.sent) requests, \(counts.failed) failed, \(counts.outOfRotation) from hosts out of rotation, \(counts.oldAfterSwitch) old-version answers and \(counts.wrongFleetAfterSwitch) from the wrong fleet after the switch; \(counts.hostsTakenOut) hosts taken out (hoist exit \(output.status))")
        return (counts, output)
    }

    @Test func zeroDroppedRequestsThroughInPlaceBlueGreenAndRollback() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let frontend = try #require(env["HAPROXY_FRONTEND"]), socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-traffic")
        let inPlace = try Self.playbook(scratch, name: "inplace.yml", socket: socket, blueGreen: false)
        let blueGreen = try Self.playbook(scratch, name: "bluegreen.yml", socket: socket, blueGreen: true)
        let db = scratch.file("history.sqlite3")
        let v1 = try Self.revision(scratch, "v1"), v2 = try Self.revision(scratch, "v2"), v3 = try Self.revision(scratch, "v3")

        // Setup: v1 everywhere, every web host in rotation.
        let setup = try HoistBinary.run(["deploy", inPlace, "--revision", v1, "--config", "AllAtOnce", "--json", "--db", db])
        try #require(setup.status == 0, "setup deploy failed: \(setup.stderr)\n\(setup.stdout.suffix(3000))")

        let (one, out1) = try await Self.phase("in-place v1 -> v2", frontend: frontend,
            args: ["deploy", inPlace, "--revision", v2, "--json", "--db", db], newVersion: "v2")
        #expect(out1.status == 0, "\(Self.explain(out1))")
        #expect(out1.stdout.contains("\"event\":\"BlockTraffic\""))
        let (two, out2) = try await Self.phase("blue/green v2 -> v3, batched", frontend: frontend,
            args: ["deploy", blueGreen, "--revision", v3, "--json", "--db", db], newVersion: "v3",
            expectedFleet: { (try? Self.fleetHosts(installedIn: $0)) ?? [] })
        #expect(out2.status == 0, "\(Self.explain(out2))")
        #expect(out2.stdout.components(separatedBy: "\"type\":\"deployment_finished\"").count == 2, "one verdict for the whole blue/green deployment")
        // HalfAtATime over each half of the web hosts: the reroute takes two steps.
        #expect(out2.stdout.contains("\"phase\":\"Reroute 1 of 2\""), "a batched reroute")
        #expect(out2.stdout.contains("\"phase\":\"Reroute 2 of 2\""))
        let (three, out3) = try await Self.phase("blue/green rollback -> v2", frontend: frontend,
            args: ["deploy", blueGreen, "--revision", v3, "--blue-green-rollback", "--json", "--db", db], newVersion: "v2",
            expectedFleet: { _ in (try? Self.fleetHosts(notInstalledIn: out2.stdout.split(separator: "\n").map(String.init))) ?? [] })
        #expect(out3.status == 0, "\(Self.explain(out3))")
        // A failed phase's history (`hoist show ID --db …`, `hoist logs`) outlives the test.
        if let failed = [out1, out2, out3].first(where: { $0.status != 0 }) {
            scratch.keep(because: "hoist exited \(failed.status); history in \(db)")
        } else if [one, two, three].contains(where: { $0.failed + $0.outOfRotation + $0.oldAfterSwitch + $0.wrongFleetAfterSwitch > 0 }) {
            scratch.keep(because: "a phase's traffic went wrong; history in \(db)")
        }

        for phase in [one, two, three] {
            #expect(phase.sent > 0)
            #expect(phase.hostsTakenOut >= 4, "\(phase.name): hosts taken out of rotation")
            #expect(phase.failed == 0, "\(phase.name)")
            #expect(phase.outOfRotation == 0, "\(phase.name)")
            #expect(phase.oldAfterSwitch == 0, "\(phase.name)")
            #expect(phase.wrongFleetAfterSwitch == 0, "\(phase.name)")
        }
    }

    /// Why a run of hoist failed, for `#expect` messages: its exit, stderr, and from its
    /// `--json` events the verdict and each failed host's event, error and last output lines.
    static func explain(_ output: HoistBinary.Output) -> String {
        let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
        return "exit \(output.status)\nstderr: \(output.stderr)\n\(outcome.failures)"
    }

    /// The web hosts of the fleet a blue/green deployment installed on (its `Install on X` phase).
    static func fleetHosts(installedIn lines: [String]) throws -> Set<String> {
        try hosts(ofFleet: try #require(installedFleet(lines)))
    }

    /// The web hosts of the other fleet: the one that served before, and that a rollback
    /// of that deployment returns to.
    static func fleetHosts(notInstalledIn lines: [String]) throws -> Set<String> {
        try hosts(ofFleet: otherFleet(than: try #require(installedFleet(lines))))
    }

    static func otherFleet(than fleet: String) -> String { fleet == "blue" ? "green" : "blue" }

    static func installedFleet(_ lines: [String]) -> String? {
        for line in lines where line.contains("\"phase_started\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let phase = object["phase"] as? String, phase.hasPrefix("Install on ") else { continue }
            return String(phase.dropFirst("Install on ".count))
        }
        return nil
    }

    static func hosts(ofFleet fleet: String) throws -> Set<String> {
        Set(try Fleet.load().filter { $0.tags.contains(Tag("role", "web")) && $0.tags.contains(Tag("color", fleet)) }.map(\.name))
    }
}
