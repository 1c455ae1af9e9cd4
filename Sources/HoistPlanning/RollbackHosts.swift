import HoistCore

/// Which hosts a manual rollback or redeploy goes to, from the history. A rollback puts back
/// what the group's hosts had when it was last deployed; a redeploy stays on the hosts its
/// deployment targeted (a canary's redeploy stays on the canary).
public enum RollbackHosts {
    /// The hosts the group's newest deployment that reached any host went to, and that
    /// deployment; nil when none reached a host (the rollback then goes to the whole group).
    /// A deployment refused before any host (a canary's group below its minimum) sent the
    /// rollback to the whole group, hosts it had never deployed to included.
    /// `history`: newest first; `hostsOf` reads a deployment's host records.
    public static func lastReached<Failure: Error>(
        history: [DeploymentRecord], hostsOf: (DeploymentID) throws(Failure) -> [HostRecord]
    ) throws(Failure) -> (hosts: [String], by: DeploymentID)? {
        for record in history {
            let touched = try hostsOf(record.id).filter { $0.status != .skipped && $0.status != .pending }.map(\.host)
            if !touched.isEmpty { return (touched, record.id) }
        }
        return nil
    }

    /// A redeploy's hosts: those its deployment recorded (nil, the whole group, when it ended
    /// before it chose any), or with `onlyFailed` those that did not succeed there.
    public static func redeploy(recorded: [HostRecord], onlyFailed: Bool) -> [String]? {
        if onlyFailed { return recorded.filter { $0.status != .succeeded }.map(\.host) }
        return recorded.isEmpty ? nil : recorded.map(\.host)
    }
}
