import Foundation
import HoistCore
@testable import HoistEngine
import HoistPlanning
import HoistTestSupport
import Testing

/// A stop (one Ctrl-C) during a blue/green reroute ends it Stopped, counting what the balancer
/// did: it ended Failed (HEALTH_CONSTRAINTS, "0 hosts of the target fleet are in rotation"),
/// with a host in rotation that its AllowTraffic had put there, and the automatic rollback for
/// a failure ran though nobody asked for one.
@Suite struct BlueGreenStopTests {
    /// Allows of `held` wait until the test lets them go.
    final class HeldAllowTraffic: TrafficControl, @unchecked Sendable {
        let held: String
        let calls = Locked<[(String, String)]>([])
        let released = Locked(false)
        init(held: String) { self.held = held }
        func block(_ host: HostSpec) async throws -> [DrainCutShort] { calls.withLock { $0.append(("block", host.name)) }; return [] }
        func allow(_ host: HostSpec) async throws {
            calls.withLock { $0.append(("allow", host.name)) }
            guard host.name == held else { return }
            while !released.current { try await Task.sleep(for: .milliseconds(10)) }
        }
        var isHolding: Bool { calls.current.contains { $0 == ("allow", held) } }
    }

    @Test func aStopDuringTheRerouteEndsItStoppedWithTheHostItAllowedCounted() async throws {
        let tags: [String: [HoistCore.Tag]] = ["b1": [HoistCore.Tag("color", "blue")], "b2": [HoistCore.Tag("color", "blue")],
                                               "g1": [HoistCore.Tag("color", "green")], "g2": [HoistCore.Tag("color", "green")]]
        let group = try FolderGroup(["b1", "b2", "g1", "g2"], tags: tags)
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"])
        // Green is live after this one.
        let first = try await group.deploy(try await group.revision("v1"),
                                           plan: group.plan(config: .oneAtATime, phases: DeploymentPhase.blueGreen(spec, traffic: true),
                                                            blueGreen: spec, traffic: true),
                                           ports: group.ports(traffic: HeldAllowTraffic(held: "none")))
        #expect(first.verdict.status == .succeeded)

        let traffic = HeldAllowTraffic(held: "b1")
        let plan = group.plan(config: .oneAtATime, autoRollback: true, phases: DeploymentPhase.blueGreen(spec, traffic: true),
                              blueGreen: spec, traffic: true)
        let stop = StopController()
        async let running = group.deploy(try await group.revision("v2"), plan: plan, ports: group.ports(traffic: traffic), stop: stop)
        let deadline = Date().addingTimeInterval(300)
        while !traffic.isHolding, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        stop.request(.graceful, reason: "Ctrl-C")
        traffic.released.withLock { $0 = true }
        let report = try await running

        #expect(report.verdict.status == .stopped, "\(report.verdict.message ?? "")")
        #expect(report.verdict.errorCode == .manualStop)
        #expect(report.verdict.message?.contains("1 hosts of the target fleet are in rotation, 0 of the leaving fleet taken out") == true,
                "\(report.verdict.message ?? "")")
        #expect(report.rollback == nil, "a stop is not a failure: on_stop is off")
        #expect(!group.ran("b1").contains("v2 AfterAllowTraffic"), "nothing starts after the stop")
    }

    /// Stopped while installing the replacement fleet: traffic never moved, so that fleet,
    /// out of rotation by design, needs no attention. It was listed "left out of service",
    /// with advice to move traffic back.
    @Test func aStopBeforeTheRerouteLeavesNothingToPutRight() async throws {
        let tags: [String: [HoistCore.Tag]] = ["b1": [HoistCore.Tag("color", "blue")], "g1": [HoistCore.Tag("color", "green")]]
        let group = try FolderGroup(["b1", "g1"], tags: tags)
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"])
        try group.hold("g1")
        let stop = StopController()
        async let running = group.deploy(try await group.revision("v1"),
                                         plan: group.plan(config: .oneAtATime, phases: DeploymentPhase.blueGreen(spec, traffic: true),
                                                          blueGreen: spec, traffic: true),
                                         ports: group.ports(traffic: HeldAllowTraffic(held: "none")), stop: stop)
        try await group.waitUntilHolding("g1")
        stop.request(.graceful, reason: "Ctrl-C")
        try group.release("g1")
        let report = try await running
        #expect(report.verdict.status == .stopped)
        #expect(report.attention.isEmpty, "\(report.attention)")
    }
}
