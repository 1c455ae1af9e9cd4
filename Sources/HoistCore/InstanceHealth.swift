/// Whether a host runs the deployment group's current revision, as CodeDeploy tracks it.
/// It decides the order hosts are deployed in (Unknown, then Old, then Current).
public enum RevisionHealth: String, Sendable, Hashable, Codable, CaseIterable {
    case current = "Current", old = "Old", unknown = "Unknown"
}

/// Whether a host counts as healthy for the minimum-healthy-hosts rule.
public enum InstanceHealth: String, Sendable, Hashable, Codable, CaseIterable {
    case healthy = "Healthy", unhealthy = "Unhealthy"
}

/// A host's health as recorded after its last deployment; the next deployment starts from it.
public struct HostHealth: Sendable, Hashable, Codable {
    public var revision: RevisionHealth
    public var instance: InstanceHealth
    public init(revision: RevisionHealth, instance: InstanceHealth) {
        self.revision = revision
        self.instance = instance
    }

    /// A host Hoist has never deployed to: unknown revision, assumed healthy.
    public static let neverDeployed = HostHealth(revision: .unknown, instance: .healthy)
}
