import Foundation
import HoistTestSupport
import Testing

/// One SSH connection per host for a whole deployment, counted by the hosts' sshd: the lock's
/// take, its heartbeat (beside a hook that outlasts several beats, including refreshes of
/// every host), every command and upload, and the release.
@Suite("Deploy: one SSH connection per host")
struct ConnectionCountTests {
    @Test func eachHostAcceptsOneSSHConnectionForAWholeDeployment() async throws {
        try await DeployScenario.with("one-connection", hosts: 2) { s in
            try s.writePlaybook()
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/wait.sh", body: Revision.waitForCue(tenths: 6000), timeout: 900)
            revision.observe(["ApplicationStart"])
            let before = try s.names.map(Self.acceptedConnections)
            // Lease 6 s: the heartbeat refreshes every host every 2 s, the first every 0.3 s.
            let running = try HoistBinary.start(s.deployArguments(try s.revision("v1", revision), []),
                                                environment: s.environment.merging(["HOIST_LOCK_HEARTBEAT": "0.3", "HOIST_LOCK_LEASE": "6"]) { $1 })
            for host in s.names {
                guard try await poll(seconds: 600, { s.exists(host, "\(s.observations)/waiting") }) else {
                    running.send(SIGKILL)
                    Issue.record("the hook never started on \(host): \(running.finish().stderr)")
                    return
                }
            }
            // Every host's lock rewritten twice while its hook runs: refreshes beside the hook.
            let firstBeats = s.names.map { s.heartbeatTime($0) }
            for (host, first) in zip(s.names, firstBeats) {
                let refreshed = try await poll(seconds: 300) { (s.heartbeatTime(host) ?? 0) >= (first ?? .max) + 3 }
                #expect(refreshed, "the heartbeat refreshed \(host)'s lock during the hook")
            }
            for host in s.names { try s.put(host, "/etc/hoist-test/\(s.application).go", "") }
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
            #expect(outcome.status == 0, "\(outcome.description)")

            let after = try s.names.map(Self.acceptedConnections)
            #expect(zip(after, before).map { $0 - $1 } == s.names.map { _ in 1 }, "connections accepted per host")
            for host in s.names { #expect(!s.observed(host, "ApplicationStart").isEmpty, "\(host) deployed") }
        }
    }

    /// Connections the host's sshd accepted so far (it logs one line for each at LogLevel INFO).
    /// Decoded leniently: sshd also logs what other tests' clients sent it, bytes and all.
    static func acceptedConnections(_ host: String) throws -> Int {
        let data = try Data(contentsOf: TestPaths.fleetDir.appendingPathComponent("hosts/\(host)/sshd.log"))
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { $0.contains("Accepted publickey for ") }.count
    }
}

extension DeployScenario {
    /// The heartbeat time in the host's copy of this group's lock (seconds on the host's clock).
    func heartbeatTime(_ host: String) -> Int? {
        let found = try? FleetControl.exec(host, "cat /var/lib/hoist/deployment-instructions/\(groupID).lock/owner.json")
        guard let text = found?.stdout, let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["heartbeatTime"] as? Int
    }
}
