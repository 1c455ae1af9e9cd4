import HoistCore
import HoistPlanning
import Testing

@Suite struct RolloutZonalTests {
    static func zonal(
        _ base: DeploymentConfig = .allAtOnce, perZone: MinimumHealthyHosts = .init(.fleetPercent, 0),
        bake: Int = 0, firstBake: Int? = nil
    ) -> DeploymentConfig {
        var config = base
        config.zonal = ZonalConfig(
            zoneTag: "zone", minimumHealthyHostsPerZone: perZone, monitorDurationSeconds: bake,
            firstZoneMonitorDurationSeconds: firstBake)
        return config
    }

    /// Three zones of two hosts, a, b, c in inventory order.
    static let threeZones = (["a", "b", "c"] as [String]).flatMap { zone in
        (1...2).map { RolloutHost(name: "\(zone)\($0)", revision: .old, zone: zone) }
    }

    /// Zones go in the order their first host appears once hosts are in scheduling order.
    @Test func zonesFollowTheFirstHostInSchedulingOrder() {
        let hosts = [
            RolloutHost(name: "a1", revision: .current, zone: "a"),
            RolloutHost(name: "b1", revision: .old, instance: .unhealthy, zone: "b"),
            RolloutHost(name: "a2", revision: .unknown, zone: "a"),
            RolloutHost(name: "c1", revision: .old, zone: "c"),
            RolloutHost(name: "b2", revision: .old, zone: "b"),
        ]
        let summary = RolloutPlanner(hosts: hosts, config: Self.zonal()).summary
        #expect(summary.orderedHosts == ["b1", "b2", "a2", "a1", "c1"])
        #expect(summary.zones.map(\.name) == ["b", "a", "c"])
        #expect(summary.zones.map(\.hosts) == [["b1", "b2"], ["a2", "a1"], ["c1"]])
    }

    /// One zone at a time; the first zone's bake has its own duration; no bake after the last.
    @Test func bakesBetweenZones() {
        var planner = RolloutPlanner(hosts: Self.threeZones, config: Self.zonal(bake: 60, firstBake: 300))
        #expect(planner.summary.zones.map(\.bakeSeconds) == [300, 60, 0])
        #expect(planner.start() == [.startHost("a1"), .startHost("a2")])
        #expect(planner.hostFinished("a1", succeeded: true).isEmpty)
        #expect(planner.hostFinished("a2", succeeded: true) == [.bake(seconds: 300)])
        #expect(planner.bakeFinished() == [.startHost("b1"), .startHost("b2")])
        #expect(planner.hostFinished("b2", succeeded: true).isEmpty)
        #expect(planner.hostFinished("b1", succeeded: true) == [.bake(seconds: 60)])
        #expect(planner.bakeFinished() == [.startHost("c1"), .startHost("c2")])
        #expect(planner.hostFinished("c1", succeeded: true).isEmpty)
        let last = planner.hostFinished("c2", succeeded: true)
        #expect(last.count == 1)
        #expect(planner.verdict?.status == .succeeded)
    }

    @Test func withoutABakeTheNextZoneStartsAtOnce() {
        var planner = RolloutPlanner(hosts: Self.threeZones, config: Self.zonal())
        _ = planner.start()
        _ = planner.hostFinished("a1", succeeded: true)
        #expect(planner.hostFinished("a2", succeeded: true) == [.startHost("b1"), .startHost("b2")])
    }

    @Test func stopDuringABakeEndsAtOnce() {
        var planner = RolloutPlanner(hosts: Self.threeZones, config: Self.zonal(bake: 60))
        _ = planner.start()
        _ = planner.hostFinished("a1", succeeded: true)
        #expect(planner.hostFinished("a2", succeeded: true) == [.bake(seconds: 60)])
        guard case .finished(let verdict)? = planner.stopRequested().first else {
            Issue.record("expected a verdict")
            return
        }
        #expect(verdict.status == .stopped)
        #expect(verdict.hosts.map(\.status) == [.succeeded, .succeeded, .skipped, .skipped, .skipped, .skipped])
        #expect(planner.bakeFinished().isEmpty)
    }

    /// The per-zone minimum narrows the window inside a zone even when the global one is wide.
    @Test func perZoneMinimumLimitsTheZone() {
        let hosts = (1...3).map { RolloutHost(name: "a\($0)", revision: .old, zone: "a") }
            + (1...2).map { RolloutHost(name: "b\($0)", revision: .old, zone: "b") }
        var planner = RolloutPlanner(hosts: hosts, config: Self.zonal(perZone: .init(.hostCount, 1)))
        #expect(planner.refusal == nil)
        #expect(planner.start() == [.startHost("a1"), .startHost("a2")])
        #expect(planner.hostFinished("a1", succeeded: true) == [.startHost("a3")])
    }

    /// A failure that leaves a zone unable to keep its own minimum fails the deployment.
    @Test func perZoneMinimumFailure() {
        let hosts = (1...2).map { RolloutHost(name: "a\($0)", revision: .old, zone: "a") }
            + (1...2).map { RolloutHost(name: "b\($0)", revision: .old, zone: "b") }
        var planner = RolloutPlanner(hosts: hosts, config: Self.zonal(perZone: .init(.hostCount, 1)))
        #expect(planner.start() == [.startHost("a1")])
        guard case .finished(let verdict)? = planner.hostFinished("a1", succeeded: false).first else {
            Issue.record("expected a verdict")
            return
        }
        #expect(verdict.status == .failed)
        #expect(verdict.errorCode == .healthConstraints)
        #expect(verdict.hosts.map(\.status) == [.failed, .skipped, .skipped, .skipped])
    }

    @Test func aZoneThatCannotKeepItsMinimumIsRefused() {
        let hosts = [
            RolloutHost(name: "a1", revision: .old, zone: "a"), RolloutHost(name: "a2", revision: .old, zone: "a"),
            RolloutHost(name: "b1", revision: .old, zone: "b"),
        ]
        let planner = RolloutPlanner(hosts: hosts, config: Self.zonal(perZone: .init(.fleetPercent, 50)))
        #expect(planner.refusal == RolloutRefusal(
            code: .healthConstraintsInvalid,
            message: "The deployment can't start because the minimum number of healthy instances in zone"
                + " \"b\" (1 of 1, from the per-zone FLEET_PERCENT 50) are not available: 1 host is healthy,"
                + " and at least 2 must be so that one host can be taken out of service."
                + " Lower minimumHealthyHostsPerZone, or fix the zone's unhealthy hosts."))
    }
}
