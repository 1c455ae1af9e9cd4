import HoistCore
import HoistPlanning
import Testing

@Suite struct RolloutSlidingWindowTests {
    /// Two at a time out of ten: when the second host finishes, the third starts at once,
    /// while the first is still running (no waiting for a whole batch).
    @Test func aHostStartsAsSoonAsOneFinishes() {
        let config = DeploymentConfig(name: "Custom", minimumHealthyHosts: .init(.hostCount, 8))
        var planner = RolloutPlanner(hosts: fleet(10), config: config)
        #expect(planner.start() == [.startHost("h1"), .startHost("h2")])
        #expect(planner.hostFinished("h2", succeeded: true) == [.startHost("h3")])
        #expect(planner.inFlightHosts == ["h1", "h3"])
        #expect(planner.hostFinished("h3", succeeded: true) == [.startHost("h4")])
        #expect(planner.hostFinished("h1", succeeded: true) == [.startHost("h5")])
        #expect(planner.inFlightHosts == ["h4", "h5"])
    }

    /// A failure keeps its host out of the healthy count, so the window shrinks by one until
    /// a success gives the room back.
    @Test func aFailureNarrowsTheWindow() {
        let config = DeploymentConfig(name: "Custom", minimumHealthyHosts: .init(.hostCount, 7))
        var planner = RolloutPlanner(hosts: fleet(10), config: config)
        #expect(planner.start() == [.startHost("h1"), .startHost("h2"), .startHost("h3")])
        #expect(planner.hostFinished("h1", succeeded: false).isEmpty)
        #expect(planner.healthyHostCount == 7)
        #expect(planner.hostFinished("h2", succeeded: true) == [.startHost("h4")])
        #expect(planner.hostFinished("h3", succeeded: true) == [.startHost("h5")])
        #expect(planner.inFlightHosts == ["h4", "h5"])
    }

    /// Hosts unhealthy at start don't count toward the minimum, so taking them out costs
    /// nothing; they still count against the concurrency cap.
    @Test func unhealthyHostsGoFirstWithinTheCap() {
        let config = DeploymentConfig(name: "Custom", minimumHealthyHosts: .init(.hostCount, 3))
        var planner = RolloutPlanner(hosts: fleet(6, unhealthy: [5, 6]), config: config)
        #expect(planner.maxConcurrency == 1)
        #expect(planner.start() == [.startHost("h5")])
        #expect(planner.hostFinished("h5", succeeded: true) == [.startHost("h6")])
        #expect(planner.healthyHostCount == 5)
        #expect(planner.hostFinished("h6", succeeded: false) == [.startHost("h1")])
    }
}
