import HoistCore
import HoistPlanning
import Testing

@Suite struct RolloutHealthUpdateTests {
    static let currentHealthy = HostHealth(revision: .current, instance: .healthy)
    static let failedHealth = HostHealth(revision: .unknown, instance: .unhealthy)
    static let oldHealthy = HostHealth(revision: .old, instance: .healthy)

    static func verdict(_ status: DeploymentStatus, _ hosts: [String: InstanceStatus]) -> DeploymentVerdict {
        DeploymentVerdict(
            status: status, errorCode: nil, message: "",
            hosts: hosts.sorted { $0.key < $1.key }.map { RolloutHostOutcome(name: $0.key, status: $0.value) })
    }

    /// After a success the group's revision moves on: a Current host outside the deployment
    /// becomes Old.
    @Test func afterSuccess() {
        let prior: [String: HostHealth] = ["a": Self.oldHealthy, "b": Self.oldHealthy, "outside": Self.currentHealthy]
        let updated = Self.verdict(.succeeded, ["a": .succeeded, "b": .failed, "new": .succeeded]).updatedHealth(prior)
        #expect(updated == [
            "a": Self.currentHealthy, "b": Self.failedHealth, "new": Self.currentHealthy, "outside": Self.oldHealthy,
        ])
    }

    /// After a failed or stopped deployment only attempted hosts change.
    @Test(arguments: [DeploymentStatus.failed, .stopped])
    func afterFailureOrStop(status: DeploymentStatus) {
        let prior: [String: HostHealth] = [
            "a": Self.oldHealthy, "b": Self.oldHealthy, "c": Self.oldHealthy, "outside": Self.currentHealthy,
        ]
        let updated = Self.verdict(status, ["a": .succeeded, "b": .failed, "c": .skipped, "d": .skipped])
            .updatedHealth(prior)
        #expect(updated == [
            "a": Self.currentHealthy, "b": Self.failedHealth, "c": Self.oldHealthy, "outside": Self.currentHealthy,
        ])
    }

    /// The next deployment after a failure goes to the failed host first.
    @Test func failedHostsGoFirstNextTime() {
        var first = RolloutPlanner(hosts: fleet(3), config: .allAtOnce)
        let verdict = runScripted(&first, failing: ["h2"]).verdict!
        let health = verdict.updatedHealth([:])
        let next = RolloutPlanner(
            hosts: ["h1", "h2", "h3"].map { RolloutHost(name: $0, health: health[$0]!) }, config: .oneAtATime)
        #expect(next.orderedHosts.map(\.name) == ["h2", "h1", "h3"])
    }
}
