import HoistCore

extension DeploymentVerdict {
    /// The host health to record after this deployment (CodeDeploy's rules):
    /// hosts that succeeded become Current and Healthy; hosts that failed become Unknown and
    /// Unhealthy; skipped hosts keep what they had. After a success the group's revision moves
    /// on, so hosts outside this deployment that were Current become Old; after a failed or
    /// stopped deployment only the hosts attempted change.
    public func updatedHealth(_ prior: [String: HostHealth]) -> [String: HostHealth] {
        var health = prior
        let deployed = Set(hosts.map(\.name))
        if status == .succeeded {
            for (name, entry) in prior where !deployed.contains(name) && entry.revision == .current {
                health[name]?.revision = .old
            }
        }
        for host in hosts {
            switch host.status {
            case .succeeded: health[host.name] = HostHealth(revision: .current, instance: .healthy)
            case .failed: health[host.name] = HostHealth(revision: .unknown, instance: .unhealthy)
            default: break
            }
        }
        return health
    }
}
