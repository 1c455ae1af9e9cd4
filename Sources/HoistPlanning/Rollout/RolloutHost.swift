import HoistCore

/// One target host as the rollout planner sees it: its name, its health before the
/// deployment, and (for zonal configurations) its zone.
public struct RolloutHost: Sendable, Hashable {
    public var name: String
    public var health: HostHealth
    /// The value of the zone tag; `nil` hosts form one zone of their own under a zonal config.
    public var zone: String?

    public init(name: String, health: HostHealth = .neverDeployed, zone: String? = nil) {
        self.name = name
        self.health = health
        self.zone = zone
    }

    public init(
        name: String, revision: RevisionHealth, instance: InstanceHealth = .healthy, zone: String? = nil
    ) {
        self.init(name: name, health: HostHealth(revision: revision, instance: instance), zone: zone)
    }

    /// Counts toward the minimum at deployment start.
    public var isHealthyAtStart: Bool { health.instance == .healthy }

    /// CodeDeploy's scheduling class: unhealthy hosts first, then Unknown, Old, Current revision.
    var schedulingRank: Int {
        if health.instance == .unhealthy { return 0 }
        switch health.revision {
        case .unknown: return 1
        case .old: return 2
        case .current: return 3
        }
    }
}

extension RolloutHost {
    /// Puts hosts in deployment order: by scheduling class, keeping inventory order within a
    /// class (so runs are repeatable, unlike CodeDeploy's random pick). Under a zonal
    /// configuration hosts are then grouped by zone, zones in order of first appearance.
    static func deploymentOrder(_ hosts: [RolloutHost], zonal: Bool) -> [RolloutHost] {
        let ranked = hosts.enumerated()
            .sorted { ($0.element.schedulingRank, $0.offset) < ($1.element.schedulingRank, $1.offset) }
            .map(\.element)
        guard zonal else { return ranked }
        var zoneOrder: [String?] = []
        for host in ranked where !zoneOrder.contains(host.zone) { zoneOrder.append(host.zone) }
        return zoneOrder.flatMap { zone in ranked.filter { $0.zone == zone } }
    }
}
