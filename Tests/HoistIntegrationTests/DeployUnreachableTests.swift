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

    // Generous for a busy machine; a deploy waiting for the hook's own end would take longer.
    @Test(.timeLimit(.minutes(10)))
    func aConnectionLostDuringAHookIsHostUnreachable() async throws {
        try await DeployScenario.with("dropped", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            // The hook notes the sshd process serving its connection (its first sshd ancestor).
            revision.hook("AfterInstall", "scripts/wait.sh", body: """
                p=$$
                while [ "$p" -gt 1 ]; do
                  case $(cat /proc/$p/comm) in sshd*) echo "$p" >/srv/obs/$APPLICATION_NAME/sshd.pid; break ;; esac
                  p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
                done
                touch /srv/obs/$APPLICATION_NAME/waiting
                i=0
                while [ ! -e /etc/hoist-test/$APPLICATION_NAME.go ] && [ $i -lt 18000 ]; do i=$((i + 1)); sleep 0.1; done
                """, timeout: 120)
            guard let running = try await DeployStopTests.startUntilWaiting(s, revision) else { return }
            // Only this connection's sshd process ends (other suites may hold sessions to the host).
            let sshd = try #require(s.observedLines(host, "sshd.pid").first, "the hook found its sshd")
            let killed = try FleetControl.exec(host, "kill \(sshd)")
            let output = try await DeployScenario.offThePool { running.finish() }
            try s.put(host, "/etc/hoist-test/\(s.application).go", "")
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(killed.status == 0, "sshd \(sshd) was there to kill")
            #expect(outcome.status == 3, "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "HostUnreachable", "\(outcome.description)")
            #expect(outcome.hostFinished(host)?["error_code"] as? String == "HostUnreachable")
        }
    }
}
