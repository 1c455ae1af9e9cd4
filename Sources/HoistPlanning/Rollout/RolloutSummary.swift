import HoistCore

/// What a rollout will do, without doing it: the numbers and order `hoist plan` shows.
public struct RolloutSummary: Sendable, Hashable {
    /// One zone of a zonal configuration.
    public struct Zone: Sendable, Hashable {
        public var name: String?
        public var hosts: [String]
        public var minimumHealthy: Int
        /// The wait after this zone before the next one starts.
        public var bakeSeconds: Int
    }

    public var configName: String
    public var fleetSize: Int
    public var healthyAtStart: Int
    public var minimumHealthy: Int
    public var maxConcurrency: Int
    public var orderedHosts: [String]
    /// Empty without a zonal configuration.
    public var zones: [Zone]
    /// Set when the deployment would be refused at start.
    public var refusal: RolloutRefusal?
    /// One line, e.g. `HalfAtATime: 5 of 10 must stay healthy; at most 5 at once`.
    public var reason: String
}

extension RolloutPlanner {
    public var summary: RolloutSummary {
        let name = config.name.hasPrefix("CodeDeployDefault.")
            ? String(config.name.dropFirst("CodeDeployDefault.".count)) : config.name
        var reason = "\(name): \(minimumHealthy) of \(limits.fleetSize) must stay healthy; "
        if config.isOneAtATime {
            reason += "one at a time; if only the last host fails the deployment still succeeds"
        } else {
            reason += "at most \(maxConcurrency) at once"
        }
        if let zonal = config.zonal {
            reason += "; one zone at a time, at least \(zonal.minimumHealthyHostsPerZone.kind.rawValue)"
                + " \(zonal.minimumHealthyHostsPerZone.value) healthy per zone"
        }
        if let refusal { reason += " (refused: \(refusal.code.rawValue))" }
        return RolloutSummary(
            configName: config.name, fleetSize: limits.fleetSize, healthyAtStart: limits.healthyAtStart,
            minimumHealthy: minimumHealthy, maxConcurrency: maxConcurrency,
            orderedHosts: orderedHosts.map(\.name),
            zones: config.zonal == nil ? [] : zones.map { zone in
                RolloutSummary.Zone(
                    name: zone.name, hosts: zone.hosts.map { orderedHosts[$0].name },
                    minimumHealthy: zone.minimumHealthy, bakeSeconds: zone.bakeSeconds)
            },
            refusal: refusal, reason: reason)
    }
}
