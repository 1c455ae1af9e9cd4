/// Minimum healthy hosts, as CodeDeploy states it.
public struct MinimumHealthyHosts: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case hostCount = "HOST_COUNT"
        case fleetPercent = "FLEET_PERCENT"
    }
    public var kind: Kind
    public var value: Int
    public init(_ kind: Kind, _ value: Int) {
        self.kind = kind
        self.value = value
    }

    /// The host count this minimum means for a fleet, fixed at deployment start
    /// (percentages round up, as CodeDeploy does).
    public func hostCount(fleetSize: Int) -> Int {
        switch kind {
        case .hostCount: return value
        case .fleetPercent: return (fleetSize * value + 99) / 100
        }
    }
}

/// Deploy one zone (hosts sharing a tag value) at a time, with a bake time between zones.
public struct ZonalConfig: Sendable, Hashable, Codable {
    /// The tag key whose value names a host's zone (e.g. `rack`).
    public var zoneTag: String
    public var minimumHealthyHostsPerZone: MinimumHealthyHosts
    public var monitorDurationSeconds: Int
    public var firstZoneMonitorDurationSeconds: Int?
    public init(
        zoneTag: String, minimumHealthyHostsPerZone: MinimumHealthyHosts = .init(.fleetPercent, 0),
        monitorDurationSeconds: Int = 0, firstZoneMonitorDurationSeconds: Int? = nil
    ) {
        self.zoneTag = zoneTag
        self.minimumHealthyHostsPerZone = minimumHealthyHostsPerZone
        self.monitorDurationSeconds = monitorDurationSeconds
        self.firstZoneMonitorDurationSeconds = firstZoneMonitorDurationSeconds
    }
}

/// A deployment configuration: how many hosts may be taken at once, and when the deployment
/// as a whole has failed.
public struct DeploymentConfig: Sendable, Hashable, Codable {
    public var name: String
    public var minimumHealthyHosts: MinimumHealthyHosts
    public var zonal: ZonalConfig?

    public init(name: String, minimumHealthyHosts: MinimumHealthyHosts, zonal: ZonalConfig? = nil) {
        self.name = name
        self.minimumHealthyHosts = minimumHealthyHosts
        self.zonal = zonal
    }

    public static let oneAtATime = DeploymentConfig(
        name: "CodeDeployDefault.OneAtATime", minimumHealthyHosts: .init(.fleetPercent, 99))
    public static let halfAtATime = DeploymentConfig(
        name: "CodeDeployDefault.HalfAtATime", minimumHealthyHosts: .init(.fleetPercent, 50))
    public static let allAtOnce = DeploymentConfig(
        name: "CodeDeployDefault.AllAtOnce", minimumHealthyHosts: .init(.hostCount, 0))

    /// True for OneAtATime, whose last host may fail without failing the deployment.
    public var isOneAtATime: Bool { name == Self.oneAtATime.name }

    /// Looks up a predefined configuration by name, with or without `CodeDeployDefault.`.
    public static func predefined(_ name: String) -> DeploymentConfig? {
        let bare = name.hasPrefix("CodeDeployDefault.") ? String(name.dropFirst(18)) : name
        switch bare {
        case "OneAtATime": return .oneAtATime
        case "HalfAtATime": return .halfAtATime
        case "AllAtOnce": return .allAtOnce
        default: return nil
        }
    }

    /// The configuration a deployment record names (`deploymentConfigName`): a predefined one,
    /// else `custom` (the playbook's) when it has that name; nil when neither. A custom
    /// configuration is only known by the playbook that defines it, as it reads now.
    public static func named(_ name: String, custom: DeploymentConfig?) -> DeploymentConfig? {
        predefined(name) ?? custom.flatMap { $0.name == name ? $0 : nil }
    }
}
