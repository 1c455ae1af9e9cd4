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

            try FleetControl.sshd("stop", stopped)
            let outcome: DeployOutcome
            do {
                outcome = try await s.deploy(path)
                try FleetControl.sshd("start", stopped)
            } catch {
                try? FleetControl.sshd("start", stopped)
                throw error
            }

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
}
