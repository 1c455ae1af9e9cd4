import HoistCore

/// Why a deployment did not run. Each case is a sentence a person can act on; the CLI maps
/// each to one exit code. A deployment that ran and failed is not an error: it is a
/// `DeploymentReport` with a Failed verdict.
public enum DeploymentError: Error, Sendable, CustomStringConvertible {
    /// Another live deployment holds the group's lock.
    case lockHeld(GroupLockHeld)
    /// The lock could not be taken for another reason (no host reachable, a lock program
    /// failing on a host).
    case lockFailed(GroupLockError)
    /// The deployment could not be recorded in the history before it started; nothing was
    /// changed on any host.
    case historyUnavailable(String)
    /// A stop (Ctrl-C, SIGTERM) came while waiting for the group's lock: nothing was taken,
    /// recorded or deployed.
    case stoppedWaitingForLock(GroupLockHeld)
    /// A stop came while the lock was being taken, before any host was locked (hosts down
    /// made it slow): nothing was taken, recorded or deployed.
    case stoppedTakingLock
    /// `--blue-green-rollback` found nothing to move traffic back to (`RerouteBack.Refusal`):
    /// nothing was moved or recorded.
    case nothingToRollBack(String)
    /// A load balancer the deployment moves traffic with did not answer before any host was
    /// touched: a deployment that went ahead ran BeforeBlockTraffic on every host, then failed
    /// each one at BlockTraffic, and its automatic rollback "rolled back" hosts it never changed.
    case trafficUnreachable(String)

    public var description: String {
        switch self {
        case .lockHeld(let held): return "\(held)"
        case .lockFailed(let error): return "could not lock the deployment group: \(error)"
        case .historyUnavailable(let why): return "could not record the deployment in the history, so it did not start: \(why)"
        case .stoppedTakingLock: return "stopped while taking the group's lock; nothing was deployed or recorded"
        case .stoppedWaitingForLock(let held):
            return "stopped while waiting for the lock (\(held.holder.holder) is deploying \(held.holder.deploymentID)); nothing was deployed or recorded"
        case .nothingToRollBack(let why): return "\(why); nothing was moved or recorded"
        case .trafficUnreachable(let why):
            return "the load balancer did not answer, so the deployment did not start and no host was touched: \(why)"
        }
    }
}

/// How a deployment that ran ended, with what a person must know about it.
public struct DeploymentReport: Sendable {
    public var id: String
    public var verdict: DeploymentVerdictSummary
    public var hosts: [String: HostOutcome]
    /// Hosts out of service or with their app stopped when it ended, or after its automatic
    /// rollback when one ran.
    public var attention: [HostAttention]
    /// History writes that failed: the record is incomplete (`hoist show ID --refresh`).
    public var historyFailures: [String]
    /// Hosts where our lock was taken away while the deployment ran.
    public var lostLockHosts: [String]
    /// The automatic rollback that followed, if one ran.
    public var rollback: RollbackReport?
    /// The deployment's triggers (and its stopped alarm checks), drained when the coordinator
    /// is done with it (after the rollback).
    var signals: ActiveSignals? = nil
    /// Every host's events over all phases, in order, for `HostAttention`.
    var events: [String: [(LifecycleEvent, EventOutcome)]] = [:]
    /// A stop gave up waiting for the history to hold the record (`waitForRecord`).
    var recordGivenUp = false

    public var historyIncomplete: Bool { !historyFailures.isEmpty }

    public init(id: String, verdict: DeploymentVerdictSummary, hosts: [String: HostOutcome], attention: [HostAttention] = [],
                historyFailures: [String] = [], lostLockHosts: [String] = [], rollback: RollbackReport? = nil) {
        self.id = id
        self.verdict = verdict
        self.hosts = hosts
        self.attention = attention
        self.historyFailures = historyFailures
        self.lostLockHosts = lostLockHosts
        self.rollback = rollback
    }
}

/// The automatic rollback of a deployment: how it ended (nil when it could not run) and why.
public struct RollbackReport: Sendable {
    public var id: String?
    public var status: DeploymentStatus?
    public var historyFailures: [String]
    public var note: String
    /// The rollback's hosts' events, which decide what it put back.
    var events: [String: [(LifecycleEvent, EventOutcome)]] = [:]
}
