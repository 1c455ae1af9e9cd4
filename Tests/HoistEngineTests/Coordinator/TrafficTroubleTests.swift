import Foundation
import HoistCore
@testable import HoistEngine
import HoistPlanning
import HoistTestSupport
import Testing

/// A load balancer that does not answer, and a drain cut short: what the hosts are left with.
@Suite struct TrafficTroubleTests {
    /// A balancer that is down, or whose drains last until the test's stop; records calls.
    final class TroubledTraffic: TrafficControl, @unchecked Sendable {
        let down: Bool
        let calls = Locked<[String]>([])
        init(down: Bool) { self.down = down }
        func block(_ host: HostSpec) async throws -> [DrainCutShort] {
            calls.withLock { $0.append("block \(host.name)") }
            while !Task.isCancelled { try await Task.sleep(for: .milliseconds(10)) }
            throw CancellationError()
        }
        func allow(_ host: HostSpec) async throws { calls.withLock { $0.append("allow \(host.name)") } }
        func unreachable(_ host: HostSpec) async -> String? { down ? "edge (HAProxy at 127.0.0.1:1): connection refused (tried 4 times)" : nil }
        func putBack(_ host: HostSpec) async -> String? {
            calls.withLock { $0.append("put back \(host.name)") }
            return nil
        }
        var draining: Bool { calls.current.contains { $0.hasPrefix("block") } }
    }

    /// It went ahead: every host ran BeforeBlockTraffic and failed at BlockTraffic, and the
    /// automatic rollback "rolled back" hosts it had never changed.
    @Test func aBalancerThatDoesNotAnswerStopsTheDeploymentBeforeAnyHost() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let traffic = TroubledTraffic(down: true)
        let result = await Result { try await group.deploy(try await group.revision("v1"), plan: group.plan(autoRollback: true, traffic: true),
                                                           ports: group.ports(traffic: traffic)) }
        guard case .failure(let error) = result, case .trafficUnreachable(let why)? = error as? DeploymentError else {
            Issue.record("expected trafficUnreachable, got \(result)")
            return
        }
        #expect(why.contains("connection refused"))
        #expect(traffic.calls.current.isEmpty)
        for host in ["h1", "h2"] {
            #expect(group.ran(host).isEmpty, "nothing ran on \(host)")
            #expect(!group.lockExists(host))
        }
    }

    /// A stop at once during a drain puts the host back in rotation: its app never stopped,
    /// and left draining it took no new connection, with nothing said.
    @Test func aDrainStoppedAtOncePutsTheHostBack() async throws {
        let group = try FolderGroup(["h1"])
        let traffic = TroubledTraffic(down: false)
        let stop = StopController()
        async let running = group.deploy(try await group.revision("v1"), plan: group.plan(traffic: true),
                                         ports: group.ports(traffic: traffic), stop: stop)
        let deadline = Date().addingTimeInterval(300)
        while !traffic.draining, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        stop.request(.immediate, reason: "second Ctrl-C")
        let report = try await running
        #expect(traffic.calls.current == ["block h1", "put back h1"])
        let block = report.hosts["h1"]?.events.first { $0.0 == .blockTraffic }?.1
        #expect(block?.status == .failed)
        #expect(block?.message?.hasSuffix("; put back in rotation") == true, "\(block?.message ?? "")")
        #expect(!group.ran("h1").contains("v1 ApplicationStop"))
    }
}
