import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A balancer's wait is a step like a hook: an adversarial run pressed Ctrl-C twice (and
/// `hoist stop --immediate`) during AllowTraffic's wait for a host that never turned healthy,
/// and the deployment went on waiting for the whole `health_timeout` (with 1e300 s, forever).
@Suite struct TrafficStopTests {
    /// Registers at once; the health wait ends only when its task is cancelled.
    final class NeverHealthy: TrafficControl, @unchecked Sendable {
        let waiting = Locked<[String]>([])
        func block(_ host: HostSpec) async throws -> [DrainCutShort] { [] }
        func allow(_ host: HostSpec) async throws {
            waiting.withLock { $0.append(host.name) }
            while true { try await Task.sleep(for: .milliseconds(50)) }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aStopAtOnceEndsTheWaitForAHealthyHost() async throws {
        let group = try FolderGroup(["h1"])
        let traffic = NeverHealthy()
        let stop = StopController()
        let plan = group.plan(config: .oneAtATime, traffic: true)
        let revision = try await group.revision("v1")
        let running = Task { try await group.deploy(revision, plan: plan, ports: group.ports(traffic: traffic), stop: stop) }
        #expect(await eventually(within: 240) { traffic.waiting.current == ["h1"] })
        stop.request(.immediate, reason: "stop at once")
        let report = try await running.value
        #expect(report.verdict.status == .stopped, "\(report.verdict)")
        let allow = try group.history.events(of: DeploymentID(report.id)!, host: "h1").first { $0.event == .allowTraffic }
        #expect(allow?.status == .failed)
        #expect(allow?.message == "AllowTraffic was stopped: the deployment was stopped immediately", "\(String(describing: allow))")
    }
}
