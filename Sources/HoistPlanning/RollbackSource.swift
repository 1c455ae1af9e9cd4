import HoistCore

/// Which deployment's revision `hoist rollback` puts back, as Capistrano and Kamal users
/// expect: after a successful deployment, the revision *before* the current one; after a
/// failed or stopped one, the last revision that succeeded. The history is replayed as a
/// stack of revisions: a deployment pushes its revision, a rollback pops back to the one it
/// deployed, so rolling back twice steps back twice and never returns to an undone revision.
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
        var stack: [DeploymentRecord] = []
        for record in history.reversed() where record.status == .succeeded {
            if record.creator == .rollback, let back = stack.lastIndex(where: { sameRevision($0, record) }) {
                stack.removeSubrange((back + 1)...)
            }
            if let top = stack.last, sameRevision(top, record) { stack[stack.count - 1] = record } else { stack.append(record) }
        }
        if latest.status != .succeeded {
            guard let good = stack.last else {
                throw Problem(description: "no successful deployment of \(latest.deploymentGroup) in the history to roll back to")
            }
            return good
        }
        guard stack.count >= 2 else {
            throw Problem(description: "\(latest.id) deployed the only revision of \(latest.deploymentGroup) left to stand on (\(latest.revisionPath)); nothing before it to roll back to")
        }
        return stack[stack.count - 2]
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
