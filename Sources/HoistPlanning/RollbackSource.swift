import HoistCore

/// Which deployment's revision `hoist rollback` puts back, as Capistrano and Kamal users
/// expect: after a successful deployment, the revision *before* the current one; after a
/// failed or stopped one, the last revision that succeeded. Deployments that a rollback has
/// since undone are not gone back to, so rolling back twice steps back twice.
public enum RollbackSource {
    /// Why there is nothing to roll back to, or why `--to` is refused.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `history`: the group's deployments, newest first.
    public static func choose(history: [DeploymentRecord]) throws(Problem) -> DeploymentRecord {
        guard let latest = history.first else {
            throw Problem(description: "no deployment in the history to roll back to")
        }
        let undone = Set(history.filter { $0.creator == .rollback && $0.status == .succeeded }.compactMap(\.rollbackOf))
        let earlier = history.dropFirst().filter { $0.status == .succeeded && !undone.contains($0.id) }
        guard latest.status == .succeeded else {
            guard let good = earlier.first else {
                throw Problem(description: "no successful deployment of \(latest.deploymentGroup) in the history to roll back to")
            }
            return good
        }
        guard let before = earlier.first(where: { !sameRevision($0, latest) }) else {
            throw Problem(description: "\(latest.id) deployed the only revision of \(latest.deploymentGroup) that succeeded (\(latest.revisionPath)); nothing before it to roll back to")
        }
        return before
    }

    /// `--to ID`: only a deployment of the same application and deployment group.
    public static func check(_ record: DeploymentRecord, application: String, deploymentGroup: String) throws(Problem) {
        guard record.application == application, record.deploymentGroup == deploymentGroup else {
            throw Problem(description: "\(record.id) is a deployment of \(record.application)/\(record.deploymentGroup), not of \(application)/\(deploymentGroup); --to takes a deployment of the playbook's own group")
        }
    }

    static func sameRevision(_ a: DeploymentRecord, _ b: DeploymentRecord) -> Bool {
        if let x = a.revisionSHA256, let y = b.revisionSHA256 { return x == y }
        return a.revisionPath == b.revisionPath
    }
}
