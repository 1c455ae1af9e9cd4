import Foundation
import HoistTestSupport
import Testing

/// Hosts that cannot be reached: a fleet host whose sshd is stopped, and an address on the
/// fleet's subnet where nothing listens. Both fail with HostUnreachable, never as a script.
@Suite("Deploy: unreachable hosts on the fleet")
struct DeployUnreachableTests {
    @Test func unreachableHostsFailWithHostUnreachable() async throws {
        try await DeployScenario.with("unreachable", hosts: 2) { s in
            let (live, stopped) = (s.names[0], s.names[1])
            let subnet = s.hosts[0].address.split(separator: ".").dropLast().joined(separator: ".")
            // The root namespace's address on the fleet bridge; nothing listens on port 9.
            s.extraInventory = "  ghost:\n    address: \(subnet).1\n    port: 9\n"
            try s.writePlaybook(config: "AllAtOnce")
            var revision = Revision()
            revision.observe(["BeforeInstall"])
            let path = try s.revision("v1", revision)

            let outcome = try await HostOutages.withSSHDStopped(stopped) { try await s.deploy(path) }

            #expect(outcome.status == 0, "AllAtOnce succeeds when one host does: \(outcome.description)")
            #expect(outcome.hostStatuses == [live: "Succeeded", stopped: "Failed", "ghost": "Failed"])
            for host in [stopped, "ghost"] {
                let finished = outcome.hostFinished(host)
                #expect(finished?["status"] as? String == "Failed")
                #expect(finished?["error_code"] as? String == "HostUnreachable", "\(host): \(finished ?? [:])")
                #expect(outcome.of("event_finished").allSatisfy { $0["host"] as? String != host }, "no event ran on \(host)")
            }
            #expect(!outcome.stdout.contains("ScriptFailed"))
            #expect(s.observed(live, "BeforeInstall")["DEPLOYMENT_ID"] == outcome.deploymentID)
            #expect(s.deploymentDirs(stopped).isEmpty)

            let history = try s.show(outcome.deploymentID)
            let hosts = history["hosts"] as? [[String: Any]] ?? []
            let codes = Dictionary(uniqueKeysWithValues: hosts.map { ($0["host"] as? String ?? "", $0["errorCode"] as? String ?? "") })
            #expect(codes[stopped] == "HostUnreachable")
            #expect(codes["ghost"] == "HostUnreachable")
        }
    }

    /// Deploys to the scenario's one host an AfterInstall that notes the sshd process serving
    /// its connection (its first sshd ancestor) and waits; then runs `act` on the host with
    /// that pid for `PID` (only this connection's sshd: other suites may hold sessions to the
    /// host), and `after` once hoist ended. Nil when the hook did not start.
    static func deployWhileTheHooksSSHD(_ s: DeployScenario, hookTimeout: Int, _ act: String,
                                        after: String? = nil) async throws -> (acted: Bool, outcome: DeployOutcome, host: String)? {
        var revision = Revision()
        revision.hook("AfterInstall", "scripts/wait.sh", body: """
            p=$$
            while [ "$p" -gt 1 ]; do
              case $(cat /proc/$p/comm) in sshd*) echo "$p" >/srv/obs/$APPLICATION_NAME/sshd.pid; break ;; esac
              p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
            done
            touch /srv/obs/$APPLICATION_NAME/waiting
            i=0
            while [ ! -e /etc/hoist-test/$APPLICATION_NAME.go ] && [ $i -lt 18000 ]; do i=$((i + 1)); sleep 0.1; done
            """, timeout: hookTimeout)
        try s.writePlaybook()
        let host = s.names[0]
        guard let running = try await DeployStopTests.startUntilWaiting(s, revision) else { return nil }
        let sshd = try #require(s.observedLines(host, "sshd.pid").first, "the hook found its sshd")
        let acted = try FleetControl.exec(host, act.replacingOccurrences(of: "PID", with: sshd))
        let output = try await DeployScenario.offThePool { running.finish() }
        if let after { _ = try FleetControl.exec(host, after.replacingOccurrences(of: "PID", with: sshd)) }
        try s.put(host, "/etc/hoist-test/\(s.application).go", "")
        return (acted.status == 0, DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr), host)
    }

    // Generous for a busy machine; a deploy waiting for the hook's own end would take longer.
    @Test(.timeLimit(.minutes(10)))
    func aConnectionLostDuringAHookIsHostUnreachable() async throws {
        try await DeployScenario.with("dropped", hosts: 1) { s in
            guard let (killed, outcome, host) = try await Self.deployWhileTheHooksSSHD(s, hookTimeout: 120, "kill PID") else { return }

            #expect(killed, "the hook's sshd was there to kill")
            #expect(outcome.status == 3, "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "HostUnreachable", "\(outcome.description)")
            #expect(outcome.hostFinished(host)?["error_code"] as? String == "HostUnreachable")
        }
    }

    /// A host whose sshd is suspended (SIGSTOP) mid-hook keeps its connection up: its kernel
    /// acknowledges everything and no TCP timeout fires. The hook fails as HostUnreachable
    /// once a keepalive goes unanswered (`PeerWatch`); before, it failed only after its own
    /// timeout and a kill that waited minutes, each said as something else.
    @Test(.timeLimit(.minutes(10)))
    func aHostWhoseSSHDIsSuspendedDuringAHookIsHostUnreachable() async throws {
        try await DeployScenario.with("suspended", hosts: 1) { s in
            // Once hoist ended, the host's sshd goes on, then ends: the hook's session is over.
            guard let (stopped, outcome, host) = try await Self.deployWhileTheHooksSSHD(
                s, hookTimeout: 3600, "kill -STOP PID", after: "kill -CONT PID; kill PID") else { return }

            #expect(stopped, "the hook's sshd was there to stop")
            #expect(outcome.status == 3, "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "HostUnreachable", "\(outcome.description)")
            #expect((event?["message"] as? String)?.contains("stopped answering") == true, "\(event ?? [:])")
            #expect(outcome.hostFinished(host)?["error_code"] as? String == "HostUnreachable")
        }
    }
}
