import HoistCore
import Yams

/// `deployment_config:` — a predefined name (`OneAtATime`, `HalfAtATime`, `AllAtOnce`, with or
/// without `CodeDeployDefault.`) or a custom mapping with minimum healthy hosts and optional
/// zones.
extension PlaybookParser {
    static let predefinedConfigs = ["OneAtATime", "HalfAtATime", "AllAtOnce"]
    static let configKeys = [
        "name", "minimum_healthy_hosts", "zone", "minimum_healthy_hosts_per_zone", "monitor_duration",
        "first_zone_monitor_duration",
    ]

    func deploymentConfig(_ node: Node, _ path: String) -> DeploymentConfig {
        if case .scalar = node {
            guard let name = reader.string(node, path) else { return .oneAtATime }
            if let config = DeploymentConfig.predefined(name) { return config }
            let bare = name.hasPrefix("CodeDeployDefault.") ? String(name.dropFirst(18)) : name
            let hint = didYouMean(bare, in: Self.predefinedConfigs).map { "did you mean '\($0)'?" }
            reader.error(node, path, "must be one of \(Self.predefinedConfigs.joined(separator: ", ")) or a mapping, not '\(name)'",
                         hint: hint)
            return .oneAtATime
        }
        guard let entries = reader.mapping(node, path, what: "a predefined name or a mapping") else { return .oneAtATime }
        reader.rejectUnknownKeys(entries, allowed: Self.configKeys, path)
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        let name = value("name").flatMap { reader.string($0, join(path, "name")) } ?? "Custom"
        // A custom configuration under a predefined one's name ran with the predefined one's
        // rules where Hoist goes by the name (one at a time), and with its own elsewhere.
        if let nameNode = value("name"), name.hasPrefix("CodeDeployDefault.") || Self.predefinedConfigs.contains(name) {
            reader.error(nameNode, join(path, "name"),
                         "'\(name)' is a predefined configuration's name; a custom one's must not be one or start with 'CodeDeployDefault.'",
                         hint: "name it something else, or write 'deployment_config: \(name)' for the predefined one")
        }
        var minimum = MinimumHealthyHosts(.fleetPercent, 99)
        if let m = value("minimum_healthy_hosts") {
            minimum = minimumHealthyHosts(m, join(path, "minimum_healthy_hosts")) ?? minimum
        } else {
            reader.error(node, join(path, "minimum_healthy_hosts"), "a custom deployment_config needs 'minimum_healthy_hosts'",
                         hint: "e.g. {type: FLEET_PERCENT, value: 75}")
        }
        var zonal: ZonalConfig?
        if let zoneNode = value("zone") {
            if let zone = reader.string(zoneNode, join(path, "zone")) {
                var config = ZonalConfig(zoneTag: zone)
                if let m = value("minimum_healthy_hosts_per_zone"),
                    let perZone = minimumHealthyHosts(m, join(path, "minimum_healthy_hosts_per_zone"))
                {
                    config.minimumHealthyHostsPerZone = perZone
                }
                if let d = value("monitor_duration") {
                    config.monitorDurationSeconds = reader.int(d, join(path, "monitor_duration"), in: 0...Int.max,
                                                               what: "a whole number of seconds, 0 or more") ?? 0
                }
                if let d = value("first_zone_monitor_duration") {
                    config.firstZoneMonitorDurationSeconds = reader.int(
                        d, join(path, "first_zone_monitor_duration"), in: 0...Int.max, what: "a whole number of seconds, 0 or more")
                }
                zonal = config
            }
        } else {
            for key in ["minimum_healthy_hosts_per_zone", "monitor_duration", "first_zone_monitor_duration"] {
                if let entry = entries.first(where: { $0.key == key }) {
                    reader.error(entry.keyNode, join(path, key), "only applies to zonal deployments",
                                 hint: "add 'zone: <tag key>' or remove '\(key)'")
                }
            }
        }
        return DeploymentConfig(name: name, minimumHealthyHosts: minimum, zonal: zonal)
    }

    private func minimumHealthyHosts(_ node: Node, _ path: String) -> MinimumHealthyHosts? {
        guard let entries = reader.mapping(node, path, what: "a mapping {type: HOST_COUNT or FLEET_PERCENT, value: N}") else {
            return nil
        }
        reader.rejectUnknownKeys(entries, allowed: ["type", "value"], path)
        guard let typeEntry = entries.first(where: { $0.key == "type" }), let valueEntry = entries.first(where: { $0.key == "value" })
        else {
            reader.error(node, path, "needs both 'type' (HOST_COUNT or FLEET_PERCENT) and 'value'")
            return nil
        }
        guard let kind = reader.choice(typeEntry.value, join(path, "type"), [MinimumHealthyHosts.Kind.hostCount, .fleetPercent], caseInsensitive: true)
        else { return nil }
        let value: Int?
        switch kind {
        case .fleetPercent:
            value = reader.int(valueEntry.value, join(path, "value"), in: 0...99, what: "a percentage from 0 to 99 for FLEET_PERCENT")
        case .hostCount:
            value = reader.int(valueEntry.value, join(path, "value"), in: 0...Int.max, what: "a host count, 0 or more")
        }
        return value.map { MinimumHealthyHosts(kind, $0) }
    }
}
