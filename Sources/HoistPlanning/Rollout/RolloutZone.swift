import HoistCore

/// A run of consecutive hosts (in deployment order) deployed together before a bake.
/// Without a zonal configuration the whole fleet is one zone with no minimum of its own.
struct RolloutZone: Sendable, Hashable {
    var name: String?
    var hosts: Range<Int>
    var minimumHealthy: Int
    var healthyAtStart: Int
    /// The wait after this zone before the next starts (0: none; the last zone never bakes).
    var bakeSeconds: Int

    /// Splits hosts already in deployment order into zones.
    static func zones(of ordered: [RolloutHost], config: DeploymentConfig) -> [RolloutZone] {
        guard let zonal = config.zonal else {
            return [
                RolloutZone(
                    name: nil, hosts: ordered.indices, minimumHealthy: 0,
                    healthyAtStart: ordered.count(where: \.isHealthyAtStart), bakeSeconds: 0)
            ]
        }
        var zones: [RolloutZone] = []
        var start = 0
        while start < ordered.count {
            let name = ordered[start].zone
            var end = start
            while end < ordered.count, ordered[end].zone == name { end += 1 }
            let members = ordered[start..<end]
            let bake = zones.isEmpty
                ? (zonal.firstZoneMonitorDurationSeconds ?? zonal.monitorDurationSeconds)
                : zonal.monitorDurationSeconds
            zones.append(
                RolloutZone(
                    name: name, hosts: start..<end,
                    minimumHealthy: zonal.minimumHealthyHostsPerZone.hostCount(fleetSize: members.count),
                    healthyAtStart: members.count(where: \.isHealthyAtStart), bakeSeconds: max(0, bake)))
            start = end
        }
        if !zones.isEmpty { zones[zones.count - 1].bakeSeconds = 0 }
        return zones
    }

    var displayName: String { name.map { "\"\($0)\"" } ?? "(no zone)" }

    /// Why this zone can't be deployed without breaking its own minimum, or `nil`.
    func refusal(rule: MinimumHealthyHosts) -> RolloutRefusal? {
        guard minimumHealthy > 0, healthyAtStart <= minimumHealthy else { return nil }
        return RolloutRefusal(
            code: .healthConstraintsInvalid,
            message: RolloutMessages.healthConstraintsInvalid(
                scope: " in zone \(displayName)", minimum: minimumHealthy, of: hosts.count,
                source: "the per-zone \(rule.kind.rawValue) \(rule.value)", healthy: healthyAtStart,
                advice: "Lower minimumHealthyHostsPerZone, or fix the zone's unhealthy hosts."))
    }
}
