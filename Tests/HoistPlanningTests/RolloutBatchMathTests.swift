import HoistCore
import HoistPlanning
import Testing

@Suite struct RolloutBatchMathTests {
    /// Every fleet size from 1 to 20 under the three predefined configurations, checked
    /// against CodeDeploy's stated rules rather than the planner's own formula.
    @Test(arguments: 1...20)
    func predefinedConfigurations(fleetSize n: Int) {
        let one = RolloutPlanner(hosts: fleet(n), config: .oneAtATime)
        #expect(one.minimumHealthy == n - 1)
        #expect(one.maxConcurrency == 1)
        #expect(one.refusal == nil)

        // HalfAtATime: at most half at a time, rounded down; at least half, rounded up, succeed.
        let half = RolloutPlanner(hosts: fleet(n), config: .halfAtATime)
        #expect(half.minimumHealthy == (n + 1) / 2)
        #expect(half.maxConcurrency == n / 2)
        #expect((half.refusal?.code) == (n == 1 ? .healthConstraintsInvalid : nil))

        let all = RolloutPlanner(hosts: fleet(n), config: .allAtOnce)
        #expect(all.minimumHealthy == 0)
        #expect(all.maxConcurrency == n)
        #expect(all.refusal == nil)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var hosts: Int
        var rule: MinimumHealthyHosts
        var minimum: Int
        var concurrency: Int
        var refused: Bool
        var testDescription: String { "\(hosts) hosts, \(rule.kind.rawValue) \(rule.value)" }
    }

    /// The examples in the CodeDeploy guide and API reference.
    @Test(arguments: [
        Case(hosts: 10, rule: .init(.hostCount, 9), minimum: 9, concurrency: 1, refused: false),
        Case(hosts: 10, rule: .init(.hostCount, 8), minimum: 8, concurrency: 2, refused: false),
        Case(hosts: 10, rule: .init(.hostCount, 0), minimum: 0, concurrency: 10, refused: false),
        Case(hosts: 9, rule: .init(.hostCount, 6), minimum: 6, concurrency: 3, refused: false),
        Case(hosts: 9, rule: .init(.fleetPercent, 40), minimum: 4, concurrency: 5, refused: false),
        Case(hosts: 9, rule: .init(.fleetPercent, 50), minimum: 5, concurrency: 4, refused: false),
        Case(hosts: 10, rule: .init(.fleetPercent, 95), minimum: 10, concurrency: 0, refused: true),
        Case(hosts: 10, rule: .init(.hostCount, 10), minimum: 10, concurrency: 0, refused: true),
        Case(hosts: 10, rule: .init(.hostCount, 12), minimum: 12, concurrency: 0, refused: true),
        Case(hosts: 1, rule: .init(.hostCount, 0), minimum: 0, concurrency: 1, refused: false),
        Case(hosts: 3, rule: .init(.fleetPercent, 1), minimum: 1, concurrency: 2, refused: false),
    ])
    func customConfigurations(_ c: Case) {
        let planner = RolloutPlanner(
            hosts: fleet(c.hosts), config: DeploymentConfig(name: "Custom", minimumHealthyHosts: c.rule))
        #expect(planner.minimumHealthy == c.minimum)
        #expect(planner.maxConcurrency == c.concurrency)
        #expect((planner.refusal?.code) == (c.refused ? .healthConstraintsInvalid : nil))
    }

    @Test func refusalSaysWhatIsMissingWithTheNumbers() {
        var planner = RolloutPlanner(
            hosts: fleet(10), config: DeploymentConfig(name: "Strict", minimumHealthyHosts: .init(.fleetPercent, 95)))
        let actions = planner.start()
        let expected = DeploymentVerdict(
            status: .failed, errorCode: .healthConstraintsInvalid,
            message: "The deployment can't start because the minimum number of healthy instances"
                + " (10 of 10, from Strict with FLEET_PERCENT 95) are not available: 10 hosts are"
                + " healthy, and at least 11 must be so that one host can be taken out of service."
                + " Lower the minimum healthy hosts, or deploy to fewer unhealthy hosts.",
            hosts: (1...10).map { RolloutHostOutcome(name: "h\($0)", status: .skipped) })
        #expect(actions == [.finished(expected)])
        #expect(planner.hostFinished("h1", succeeded: true).isEmpty)
    }

    /// Unhealthy hosts don't count toward the minimum at start.
    @Test func unhealthyHostsAtStartCanMakeTheMinimumUnreachable() {
        let config = DeploymentConfig(name: "Custom", minimumHealthyHosts: .init(.hostCount, 8))
        let two = RolloutPlanner(hosts: fleet(10, unhealthy: [3, 7]), config: config)
        #expect(two.refusal?.code == .healthConstraintsInvalid)
        let one = RolloutPlanner(hosts: fleet(10, unhealthy: [3]), config: config)
        #expect(one.refusal == nil)
        #expect(one.maxConcurrency == 1)
    }

    /// OneAtATime keeps all but one of the healthy hosts healthy, so unhealthy hosts (deployed
    /// first) don't stop it; a fleet with no healthy host at all is refused like AllAtOnce's.
    @Test func oneAtATimeWithUnhealthyHosts() {
        let some = RolloutPlanner(hosts: fleet(5, unhealthy: [1, 2]), config: .oneAtATime)
        #expect(some.minimumHealthy == 2)
        #expect(some.maxConcurrency == 1)
        #expect(some.refusal == nil)
        let none = RolloutPlanner(hosts: fleet(2, unhealthy: [1, 2]), config: .oneAtATime)
        #expect(none.refusal?.code == .healthConstraintsInvalid)
        let allAtOnce = RolloutPlanner(hosts: fleet(2, unhealthy: [1, 2]), config: .allAtOnce)
        #expect(allAtOnce.refusal?.code == .healthConstraintsInvalid)
    }

    @Test func noHostsIsNoInstances() {
        var planner = RolloutPlanner(hosts: [], config: .allAtOnce)
        guard case .finished(let verdict) = planner.start().first else {
            Issue.record("expected a verdict")
            return
        }
        #expect(verdict.status == .failed)
        #expect(verdict.errorCode == .noInstances)
        #expect(verdict.hosts.isEmpty)
    }

    /// Unhealthy first, then Unknown, Old, Current revision; inventory order within a class.
    @Test func deploymentOrder() {
        let hosts = [
            RolloutHost(name: "current1", revision: .current),
            RolloutHost(name: "old1", revision: .old),
            RolloutHost(name: "sick-current", revision: .current, instance: .unhealthy),
            RolloutHost(name: "unknown1", revision: .unknown),
            RolloutHost(name: "old2", revision: .old),
            RolloutHost(name: "sick-old", revision: .old, instance: .unhealthy),
            RolloutHost(name: "unknown2", revision: .unknown),
            RolloutHost(name: "current2", revision: .current),
        ]
        let planner = RolloutPlanner(hosts: hosts, config: .oneAtATime)
        #expect(planner.orderedHosts.map(\.name) == [
            "sick-current", "sick-old", "unknown1", "unknown2", "old1", "old2", "current1", "current2",
        ])
    }

    @Test(arguments: [
        (DeploymentConfig.halfAtATime, 10, "HalfAtATime: 5 of 10 must stay healthy; at most 5 at once"),
        (.allAtOnce, 3, "AllAtOnce: 0 of 3 must stay healthy; at most 3 at once"),
        (.oneAtATime, 4,
         "OneAtATime: 3 of 4 must stay healthy; one at a time; if only the last host fails the deployment still succeeds"),
        (DeploymentConfig(name: "Strict", minimumHealthyHosts: .init(.fleetPercent, 95)), 10,
         "Strict: 10 of 10 must stay healthy; at most 0 at once (refused: HEALTH_CONSTRAINTS_INVALID)"),
    ])
    func summaryReason(config: DeploymentConfig, hosts: Int, reason: String) {
        let summary = RolloutPlanner(hosts: fleet(hosts), config: config).summary
        #expect(summary.reason == reason)
        #expect(summary.fleetSize == hosts)
        #expect(summary.orderedHosts == fleet(hosts).map(\.name))
        #expect(summary.zones.isEmpty)
    }
}
