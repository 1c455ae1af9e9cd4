import Foundation
import HoistTestSupport
import Testing

/// One SSH connection per host for a whole deployment: while a hook holds the deployment's
/// session and the lock's heartbeat has refreshed every host beside it, the deployment's
/// process has exactly one established SSH connection to each host (the lock's take, its
/// heartbeat, every command and upload share it; a lock on a connection of its own would be
/// a second). Counted from the coordinator's side, by process: other tests (the traffic
/// tests) may hold connections to the same hosts.
@Suite("Deploy: one SSH connection per host")
struct ConnectionCountTests {
    @Test func eachHostAcceptsOneSSHConnectionForAWholeDeployment() async throws {
        try await DeployScenario.with("one-connection", hosts: 2) { s in
            try s.writePlaybook()
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/wait.sh", body: Revision.waitForCue(tenths: 6000), timeout: 900)
            revision.observe(["ApplicationStart"])
            // Lease 60 s: the heartbeat refreshes every host every 20 s, the first every 0.3 s; a
            // coordinator whose lock no host renewed for 59.7 s would stop itself. (A 9-s lease
            // stopped it with the suite and a release build on the two cores: no beat came back
            // within 8.7 s.)
            let running = try HoistBinary.start(s.deployArguments(try s.revision("v1", revision), []),
                                                environment: s.environment.merging(["HOIST_LOCK_HEARTBEAT": "0.3", "HOIST_LOCK_LEASE": "60"]) { $1 })
            for host in s.names {
                guard await eventually(within: 600, { s.exists(host, "\(s.observations)/waiting") }) else {
                    running.send(SIGKILL)
                    Issue.record("the hook never started on \(host): \(running.finish().stderr)")
                    return
                }
            }
            // Every host's lock rewritten twice while its hook runs: refreshes beside the hook.
            // A read of the lock can fail on a busy machine (the fleet's exec): it is read again.
            for host in s.names {
                var first: Int?
                _ = await eventually(within: 300) { first = s.heartbeatTime(host); return first != nil }
                let start = try #require(first, "\(host)'s lock names its heartbeat time")
                let refreshed = await eventually(within: 300) { (s.heartbeatTime(host) ?? 0) >= start + 3 }
                #expect(refreshed, "the heartbeat refreshed \(host)'s lock during the hook")
            }
            let open = try s.hosts.map { try Self.establishedSSHConnections(of: running.pid, to: $0.address) }
            #expect(open == s.names.map { _ in 1 }, "SSH connections open on each host while its hook runs")
            for host in s.names { try s.put(host, "/etc/hoist-test/\(s.application).go", "") }
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
            #expect(outcome.status == 0, "\(outcome.description)")
            for host in s.names { #expect(!s.observed(host, "ApplicationStart").isEmpty, "\(host) deployed") }
        }
    }

    /// Established TCP connections from process `pid` to port 22 of `address` (`ss -tnp`).
    static func establishedSSHConnections(of pid: pid_t, to address: String) throws -> Int {
        let listed = try FleetControl.local(URL(fileURLWithPath: "/usr/bin/ss"), ["-tnpH", "state", "established", "dst", "\(address):22"])
        guard listed.status == 0 else { throw FleetControl.Failed(description: "ss failed (\(listed.status))") }
        return listed.stdout.split(separator: "\n").filter { $0.contains("pid=\(pid),") }.count
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
