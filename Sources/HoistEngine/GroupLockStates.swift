import HoistCore

/// The group is locked by another live deployment. Distinct from other lock errors so the CLI
/// can say who holds it and what to do.
public struct GroupLockHeld: Error, Sendable, Hashable, CustomStringConvertible {
    public var groupID: String
    /// The first host, in lock order, found held.
    public var host: String
    public var holder: LockOwner
    /// Seconds since the holder's last heartbeat, on the host's clock.
    public var heartbeatAgeSeconds: Int

    public init(groupID: String, host: String, holder: LockOwner, heartbeatAgeSeconds: Int) {
        self.groupID = groupID
        self.host = host
        self.holder = holder
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
    }

    public var description: String {
        let who = holder == .unknown
            ? "an unknown holder (its owner.json is missing or unreadable)"
            : "deployment \(holder.deploymentID) (\(holder.holder), pid \(holder.pid), `\(holder.command)`) running since \(lockTimeText(holder.startTime))"
        return "deployment group \(groupID) is locked on \(host) by \(who); its last heartbeat was \(heartbeatAgeSeconds) s ago. "
            + "Wait for it with --lock-wait DURATION, see the lock on every host with `hoist lock status PLAYBOOK`, "
            + "or, if that deployment is certainly gone, remove the lock with `hoist lock release PLAYBOOK --force`."
    }
}

/// Taking, releasing or signalling the lock failed for a reason other than another holder.
public struct GroupLockError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The lock on one host, as `hoist lock status` shows it.
public struct HostLockState: Sendable, Hashable, CustomStringConvertible {
    public enum State: Sendable, Hashable {
        case free
        /// Held by `owner`; `stale` when its heartbeat is older than its lease.
        case held(LockOwner, heartbeatAgeSeconds: Int, stale: Bool)
        case unreachable(String)
    }
    public var host: String
    public var state: State

    public init(host: String, state: State) {
        self.host = host
        self.state = state
    }

    public var description: String {
        switch state {
        case .free:
            return "\(host): free"
        case .held(let owner, let age, let stale):
            let who = owner == .unknown ? "an unknown holder" : "\(owner.deploymentID) by \(owner.holder) (pid \(owner.pid)) since \(lockTimeText(owner.startTime))"
            return "\(host): held by \(who), \(stale ? "STALE" : "fresh"), last heartbeat \(age) s ago (lease \(owner.leaseSeconds) s)"
        case .unreachable(let why):
            return "\(host): unreachable (\(why))"
        }
    }
}

/// A host where a lock we held could not be removed (it went down before the end): the lock
/// stays there until its lease passes or someone releases it.
public struct UnreleasedLock: Sendable, Hashable {
    public var host: String
    public var reason: String

    public init(host: String, reason: String) {
        self.host = host
        self.reason = reason
    }
}

/// A wait for a held lock (`--lock-wait`) ended by a stop: nothing was taken.
public struct GroupLockWaitStopped: Error, Sendable {
    public var held: GroupLockHeld
}

/// A stop (Ctrl-C, SIGTERM) came while the lock was being taken, before any host was
/// locked: nothing was taken, recorded or deployed.
public struct GroupLockTakingStopped: Error, Sendable {}

/// A host left out of the lock because it could not be reached.
public struct SkippedLockHost: Sendable, Hashable {
    public var host: String
    public var reason: String
    /// Its host key is unknown or changed: no outage, and waiting does not end it.
    public var hostKey = false
}

/// A deployment whose coordinator stopped heartbeating while it ran: crash evidence for the
/// next command on the group, which records it as failed after restart.
public struct UnfinishedDeployment: Sendable, Hashable, CustomStringConvertible {
    public var owner: LockOwner
    public var hosts: [String]
    public var secondsSinceHeartbeat: Int

    public var description: String {
        "deployment \(owner.deploymentID) by \(owner.holder) did not finish (its coordinator stopped heartbeating \(secondsSinceHeartbeat) s ago)"
    }
}

/// Hook runs on one host that a coordinator which is gone left alive (found while taking the
/// lock): each run's scratch prefix, `<group>/<deployment-id>/logs/.hook-<token>`.
public struct OrphanedRuns: Sendable {
    public var host: HostSpec
    public var scratches: [String]

    /// The deployments the runs belong to, from their folders.
    public var deploymentIDs: [String] {
        var ids: [String] = []
        for scratch in scratches {
            let parts = scratch.split(separator: "/")
            if parts.count >= 3, !ids.contains(String(parts[parts.count - 3])) { ids.append(String(parts[parts.count - 3])) }
        }
        return ids
    }
}
