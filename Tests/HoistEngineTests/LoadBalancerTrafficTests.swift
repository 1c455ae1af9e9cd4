import Foundation
import HoistCore
import HoistEngine
import Testing

/// LoadBalancerTraffic over fake balancers: every balancer is told, in order, and a failure
/// names the balancer it came from.
struct LoadBalancerTrafficTests {
    struct Failure: Error, CustomStringConvertible { var description: String { "socket closed" } }

    final class FakeBalancer: LoadBalancer, Sendable {
        let name: String
        let failOn: String?
        let calls: Locked<[String]>
        init(_ name: String, failOn: String? = nil, calls: Locked<[String]>) {
            self.name = name
            self.failOn = failOn
            self.calls = calls
        }
        func record(_ call: String) throws {
            calls.withLock { $0.append("\(name).\(call)") }
            if call.hasPrefix(failOn ?? "-") { throw Failure() }
        }
        func register(_ host: HostSpec) async throws { try record("register \(host.name)") }
        func register(_ host: HostSpec, healthTimeoutSeconds: Double) async throws {
            try record("register \(host.name) once healthy within \(Int(healthTimeoutSeconds))")
        }
        func deregister(_ host: HostSpec, drainTimeoutSeconds: Double) async throws -> DrainCutShort? {
            try record("deregister \(host.name) \(Int(drainTimeoutSeconds))")
            return nil
        }
        func waitUntilHealthy(_ host: HostSpec, timeoutSeconds: Double) async throws { try record("healthy \(host.name) \(Int(timeoutSeconds))") }
        func state(of host: HostSpec) async throws -> LoadBalancerServerState { LoadBalancerServerState(server: host.name, admin: .unknown, operational: .unknown) }
    }

    static func traffic(_ balancers: [FakeBalancer]) -> LoadBalancerTraffic {
        LoadBalancerTraffic(members: balancers.map { .init(balancer: $0, drainTimeoutSeconds: 7, healthTimeoutSeconds: 90) })
    }

    @Test func blockDeregistersFromEveryBalancerWithItsDrainTimeout() async throws {
        let calls = Locked<[String]>([])
        try await Self.traffic([FakeBalancer("a", calls: calls), FakeBalancer("b", calls: calls)]).block(HostSpec(name: "h1", address: "10.0.0.1"))
        #expect(calls.current == ["a.deregister h1 7", "b.deregister h1 7"])
    }

    @Test func allowRegistersEverywhereBeforeWaitingForHealth() async throws {
        let calls = Locked<[String]>([])
        try await Self.traffic([FakeBalancer("a", calls: calls), FakeBalancer("b", calls: calls)]).allow(HostSpec(name: "h1", address: "10.0.0.1"))
        // With each balancer's health timeout: nginx puts a host in only once it is healthy.
        #expect(calls.current == ["a.register h1 once healthy within 90", "b.register h1 once healthy within 90",
                                  "a.healthy h1 90", "b.healthy h1 90"])
    }

    /// A host that does not turn healthy is not left registered: HAProxy put it back in
    /// rotation as soon as its check passed, while the deployment called it out of service.
    @Test func aHostThatDoesNotTurnHealthyIsTakenOutAgain() async throws {
        let calls = Locked<[String]>([])
        let traffic = Self.traffic([FakeBalancer("a", calls: calls), FakeBalancer("edge", failOn: "healthy", calls: calls)])
        await #expect(throws: LoadBalancerError.self) { try await traffic.allow(HostSpec(name: "h1", address: "10.0.0.1")) }
        #expect(calls.current == ["a.register h1 once healthy within 90", "edge.register h1 once healthy within 90",
                                  "a.healthy h1 90", "edge.healthy h1 90",
                                  "a.deregister h1 0", "edge.deregister h1 0"])
    }

    /// A host whose drain a stop cut short goes back at once (its app never stopped), in
    /// every balancer even when one fails, and the failure is returned, not thrown.
    @Test func putBackRegistersAtOnceInEveryBalancer() async {
        let calls = Locked<[String]>([])
        let traffic = Self.traffic([FakeBalancer("a", failOn: "register", calls: calls), FakeBalancer("b", calls: calls)])
        let problem = await traffic.putBack(HostSpec(name: "h1", address: "10.0.0.1"))
        #expect(calls.current == ["a.register h1", "b.register h1"])
        #expect(problem == "socket closed")
    }

    @Test(arguments: ["register", "deregister", "healthy"])
    func aFailingBalancerIsNamed(_ step: String) async throws {
        let calls = Locked<[String]>([])
        let traffic = Self.traffic([FakeBalancer("a", calls: calls), FakeBalancer("edge", failOn: step, calls: calls)])
        let host = HostSpec(name: "h1", address: "10.0.0.1")
        let error = await #expect(throws: LoadBalancerError.self) {
            if step == "deregister" { try await traffic.block(host) } else { try await traffic.allow(host) }
        }
        #expect(error?.balancer == "edge")
        #expect(error?.description.hasPrefix("load balancer edge: ") == true)
        #expect(error?.description.contains("h1") == true)
        #expect(error?.description.contains("socket closed") == true)
    }
}
