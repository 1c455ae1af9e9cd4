import HoistCore

extension HistoryStore {
    /// Revision health from the group's last deployments, so hosts that failed or never got
    /// a revision go first and hosts already current go last (§6.1). Hosts all count as
    /// healthy: otherwise a group whose last deployment failed could never be redeployed or
    /// rolled back (the minimum could not be met), which is when people need it most.
    public func priorHealth(application: String, group: String) -> [String: HostHealth] {
        guard let last = try? listDeployments(DeploymentFilter(application: application, deploymentGroup: group, limit: 10)) else { return [:] }
        var health: [String: HostHealth] = [:]
        for record in last.reversed() where record.status.isFinal {
            for host in (try? hosts(of: record.id)) ?? [] {
                switch host.status {
                case .succeeded: health[host.host] = HostHealth(revision: .current, instance: .healthy)
                case .failed: health[host.host] = HostHealth(revision: .unknown, instance: .healthy)
                default: continue
                }
            }
        }
        return health
    }
}
