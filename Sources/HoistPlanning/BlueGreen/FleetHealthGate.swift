import HoistCore

/// Before traffic goes back to a fleet (a blue/green rollback, automatic or
/// `--blue-green-rollback`): enough of its hosts must answer their health checks, or moving
/// traffic there would drop requests. Enough is the deployment configuration's minimum
/// healthy hosts over that fleet, and at least one. The decision is pure; the engine asks
/// the balancers and acts on it.
public enum FleetHealthGate {
    /// What the balancers said about one host.
    public struct Answer: Sendable, Hashable {
        public var host: String
        /// nil when healthy; otherwise what failed, in the balancer's words.
        public var problem: String?
        public init(host: String, problem: String?) {
            self.host = host
            self.problem = problem
        }
    }

    public enum Decision: Sendable, Hashable {
        /// Reroute to `healthy`; the `unhealthy` hosts stay out of rotation.
        case proceed(healthy: [String], unhealthy: [Answer])
        /// Too few answer: change nothing, say this.
        case refuse(String)
    }

    /// - Parameter answers: one per host of the fleet, in fleet order.
    public static func decide(fleet: String, answers: [Answer], config: DeploymentConfig) -> Decision {
        let healthy = answers.filter { $0.problem == nil }.map(\.host)
        let unhealthy = answers.filter { $0.problem != nil }
        let limits = RolloutLimits(config: config, fleetSize: answers.count, healthyAtStart: answers.count)
        let needed = max(1, limits.minimumHealthy)
        guard healthy.count < needed else { return .proceed(healthy: healthy, unhealthy: unhealthy) }
        let named = unhealthy.map { "\($0.host) (\($0.problem ?? ""))" }.joined(separator: ", ")
        let verb = unhealthy.count == 1 ? "does" : "do"
        return .refuse(
            "cannot move traffic back to fleet \(fleet): \(unhealthy.count) of its \(answers.count) hosts \(verb) not answer their health checks: \(named);"
                + " \(config.name) needs \(needed) healthy. Traffic stays where it is. Start the app on those hosts"
                + " (or fix their health checks), then run the rollback again.")
    }
}
