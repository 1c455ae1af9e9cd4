import Foundation
import HoistCore

/// Whether the deployment named in a lock is known to be over, so its lock can go before its
/// lease runs out. A lock outlives its deployment when releasing it failed on a host (the
/// host was down at the end), or when its coordinator was killed; until the lease passed it
/// looked fresh, and a teammate's deployment, `hoist lock release` and `hoist stop` all
/// treated it as live. Two things prove a holder gone: its coordinator ran on this machine and
/// its process no longer exists, or the history (shared, for a team) says its deployment
/// ended and no rollback of it is running under its lock.
public enum GoneLockHolder {
    /// Why `owner`'s deployment is over, as a clause ("its coordinator, pid 5324 on this
    /// machine, is gone"), or nil when nothing proves it. `heartbeatAgeSeconds`: how old the
    /// lock's heartbeat is, on the host that answered.
    public static func reason(_ owner: LockOwner, heartbeatAgeSeconds: Int, thisMachine: String,
                              history: (any HistoryStore)?) -> String? {
        if owner == .unknown { return nil }
        let id = DeploymentID(owner.deploymentID)
        let record = id.flatMap { id in history.flatMap { try? $0.deployment(id) } }
        if owner.machine == thisMachine {
            // The record says which process had the pid, so one that reused it is no proof
            // of life.
            let recorded = record?.coordinator.flatMap { $0.machine == thisMachine && $0.pid == owner.pid ? $0.processStart : nil }
                ?? owner.processStart
            if ProcessIdentity.isGone(pid: owner.pid, start: recorded) { return goneCoordinator(pid: owner.pid) }
        }
        // The history's word needs a heartbeat that stopped too: a live coordinator records
        // its deployment's end a moment before it creates its automatic rollback's record,
        // and a teammate's deployment took the lock over in between, then both worked on
        // the same hosts. A live holder beats its first host at least every third of its lease.
        guard heartbeatAgeSeconds >= historyProofAfter(owner) else { return nil }
        guard let history, let id, let record, record.status.isFinal else { return nil }
        // An automatic rollback runs under the lock of the deployment it rolls back.
        let rollingBack = ((try? history.unfinished(group: record.deploymentGroup)) ?? []).contains { $0.rollbackOf == id }
        if rollingBack { return nil }
        return "\(owner.deploymentID) ended \(record.status.rawValue)" + (record.endTime.map { " at \(utcStamp($0))" } ?? "")
    }

    /// How old a heartbeat must be before the history's word that the deployment ended
    /// counts: a third of the lease, when a live holder has surely beaten, and 10 s more.
    static func historyProofAfter(_ owner: LockOwner) -> Int { owner.leaseSeconds / 3 + 10 }

    static func goneCoordinator(pid: Int32) -> String { "its coordinator, pid \(pid) on this machine, is gone" }
}
