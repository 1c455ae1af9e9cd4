import Foundation
import HoistCore

/// What the coordinator tells a person besides host events, as values so reporters, a
/// future alarm or trigger hook (#13) and tests can tell them apart. `description` is the
/// sentence shown (the CLI prefixes `hoist: `).
public enum DeploymentNotice: Sendable, Hashable, CustomStringConvertible {
    /// A host could not be reached while taking the lock; the deployment goes on without it.
    case lockHostSkipped(host: String, reason: String, hostKey: Bool = false)
    /// Waiting for another deployment's lock (`--lock-wait`), at the latest until `until`.
    case waitingForLock(GroupLockHeld, until: Date)
    /// A stale lock (heartbeat older than its lease) was taken over, as a sentence.
    case staleLockTakenOver(String)
    /// The lock was held by a deployment known to be over (`GoneLockHolder`), for `reason`.
    case goneHolderLockTakenOver(deploymentID: String, reason: String)
    /// Hook runs a coordinator that is gone left running on `host` (a laptop that went to
    /// sleep, a network cut off), stopped before this deployment starts.
    case orphanedRunsStopped(host: String, runs: Int, deploymentIDs: [String], graceSeconds: Int)
    /// Our lock could not be removed from these hosts at the end (they went down meanwhile).
    case lockNotReleased([UnreleasedLock], leaseSeconds: Int, release: String)
    /// Our lock on `host` was removed or taken over while we ran.
    case lockLost(host: String, now: LockOwner?)
    /// No host confirmed a heartbeat for `seconds`, nearly the lease: another deployment may
    /// take the lock over as stale, so this one stops touching the hosts.
    case lockUnrenewed(seconds: Int, leaseSeconds: Int)
    /// A deployment of the group still marked running lost its coordinator; marked failed.
    /// `recovery`: the commands that recover from it.
    case abandonedDeploymentMarkedFailed(id: String, createdBy: String, recovery: [String])
    /// A deployment left unfinished in the history succeeded on every host, as the hosts'
    /// own records say: recorded Succeeded.
    case abandonedDeploymentRecordedFromHosts(id: String, createdBy: String)
    /// A deployment left unfinished in the history whose hosts all ran to an end, not all of
    /// them succeeding: recorded as its configuration (`config`) judges them (`end`).
    /// `recovery`: what finishes the job.
    case abandonedDeploymentJudgedFromHosts(id: String, createdBy: String, end: HostRecordsReconciliation.End, config: String,
                                            recovery: [String])
    /// The deployment has ended but the history has not taken its whole record yet (a shared
    /// store out of reach); the lock is kept until it has, or until a stop gives up the wait.
    case waitingForHistory(deploymentID: String, status: DeploymentStatus)
    /// A stop was requested; running hooks finish, nothing new starts.
    case stopping(deploymentID: String, reason: String)
    /// Writing the history failed; the record of `deploymentID` is incomplete, and `repair`
    /// (`hoist show ID --refresh`) brings it in line with the hosts' own records.
    case historyIncomplete(deploymentID: String, failures: [String], repair: String)
    /// Hosts out of service or with their app stopped when the deployment ended.
    case hostsNeedAttention([HostAttention], nextSteps: [String])
    /// Blue/green: traffic moved without these hosts of the target fleet (unhealthy, or their
    /// allow-traffic events failed), each with why; `retry` puts them in once they answer.
    case hostsLeftOutOfRotation([String], retry: String)
    /// A host did not keep its own record of the deployment (it stopped answering as its
    /// outcome was written): the history has the outcome, the host cannot confirm it later.
    case hostRecordNotWritten(host: String, deploymentID: String, reason: String)
    /// Blue/green: the replacement fleet is installed and waits up to `seconds` for
    /// `command` (`hoist continue ID`; CodeDeploy's Ready; triggers hear DeploymentReady).
    case waitingForContinue(deploymentID: String, seconds: Double, command: String)
    /// A zone is done and bakes (`monitor_duration`) until `until`; the next zone starts
    /// then, or a stop or an alarm ends the deployment first.
    case zoneBaking(zone: String?, seconds: Int, until: Date)
    /// Traffic has moved; the original fleet is terminated when `seconds` have passed, at
    /// `until` (termination_wait_time_in_minutes). A stop ends the wait and leaves it running.
    case terminationWait(fleet: String, seconds: Int, until: Date)
    /// An automatic rollback starts.
    case rollbackStarting(failed: String, to: String, revision: String, hosts: [String], configNote: String?)
    case rollbackImpossible(String)
    case rollbackFinished(id: String, status: DeploymentStatus)

    public var description: String {
        switch self {
        case .lockHostSkipped(let host, let reason, let hostKey):
            // A changed host key is no outage: waiting does not end it, and the advice is in the reason.
            if hostKey {
                return "\(host): not locked, and nothing will be deployed to it until its host key is settled: \(reason)"
            }
            return "\(host): not locked (\(reason)); it will fail as unreachable if it stays down"
        case .waitingForLock(let held, let until):
            return "waiting for the lock: \(held.holder.holder) is deploying \(held.holder.deploymentID); "
                + "giving up at \(utcStamp(until)) (--lock-wait) unless it ends sooner"
        case .staleLockTakenOver(let text):
            return text
        case .goneHolderLockTakenOver(let id, let reason):
            return "the lock was held by \(id), but \(reason); taking it over"
        case .orphanedRunsStopped(let host, let runs, let ids, let grace):
            return "\(host): \(runs == 1 ? "a hook" : "\(runs) hooks") of \(ids.joined(separator: ", ")) still running, though \(ids.count == 1 ? "it no longer holds" : "they no longer hold") the lock "
                + "(\(ids.count == 1 ? "its" : "their") coordinator is gone, or \(ids.count == 1 ? "its" : "their") lock went stale or was released with --force); "
                + "stopping \(runs == 1 ? "it" : "them") (TERM, then KILL after \(grace) s) before this deployment starts"
        case .hostsLeftOutOfRotation(let hosts, let retry):
            return "traffic moved without \(hosts.joined(separator: ", ")): \(hosts.count == 1 ? "it stays" : "they stay") out of rotation; "
                + "`\(retry)` again puts \(hosts.count == 1 ? "it" : "them") in once \(hosts.count == 1 ? "it answers" : "they answer")"
        case .hostRecordNotWritten(let host, let id, let reason):
            return "\(host) kept no record of \(id) (\(reason)): the history has its outcome, but `hoist show \(id) --refresh` "
                + "and the group's next deployment cannot confirm it from the host"
        case .lockNotReleased(let hosts, let lease, let release):
            // Grouped by reason: five frozen hosts repeated the same long sentence five times.
            return "the lock stays on \(HostNameList.byReason(hosts.map { ($0.host, $0.reason) })): "
                + "it could not be removed there. Another deployment takes it over once its lease (\(lease) s) has passed, "
                + "or at once where it can tell this deployment has ended; `\(release)` removes it now"
        case .lockLost(let host, let now):
            return "lost the deployment group lock on \(host): "
                + (now.map { "it is now held by \($0.deploymentID) (\($0.holder)), which took it over or was given it by a forced release" }
                    ?? "it is gone (released with hoist lock release --force, or taken over as stale by a deployment that has ended since)")
        case .lockUnrenewed(let seconds, let lease):
            return "no host has confirmed this deployment's lock for \(seconds) s (the network or this machine was away?); "
                + "with its lease of \(lease) s, another deployment may take it over as stale, so this one stops now: "
                + "it starts nothing more on the hosts and does not roll back"
        case .abandonedDeploymentRecordedFromHosts(let id, let createdBy):
            return "deployment \(id) by \(createdBy) was left unfinished in the history, but every host's own record says it succeeded there: "
                + "recorded Succeeded (its coordinator could not write its end)"
        case .abandonedDeploymentJudgedFromHosts(let id, let createdBy, let end, let config, let recovery):
            let said = "deployment \(id) by \(createdBy) was left unfinished in the history, but its hosts' own records settle it: "
                + "\(end.judgement(config: config)). It is recorded \(end.isFailure ? "Failed" : "Succeeded") as its rollout would have "
                + "ended it (its coordinator could not write its end). "
            let steps = recovery.map { "`\($0)`" }.joined(separator: " or ")
            if end.isFailure { return said + "No automatic rollback is run for it now. \(steps) to recover." }
            return said + "\(steps) to finish it on the hosts that failed."
        case .abandonedDeploymentMarkedFailed(let id, let createdBy, let recovery):
            return "deployment \(id) by \(createdBy) did not finish; marked Failed (FAILED_AFTER_RESTART). "
                + recovery.map { "`\($0)`" }.joined(separator: " or ") + " to recover."
        case .waitingForHistory(let id, let status):
            return "\(id) ended \(status.rawValue), but the history store has not taken its whole record yet: waiting for it (at most the outage limit, "
                + "HOIST_HISTORY_OUTAGE_LIMIT) and keeping the group's lock meanwhile, so that the next deployment does not take \(id) "
                + "for abandoned. Ctrl-C stops waiting and leaves the record incomplete"
        case .stopping(let id, let reason):
            return "stopping \(id) (\(reason)): no new hosts or lifecycle events will start"
        case .historyIncomplete(let id, let failures, let repair):
            return "the history record of \(id) is incomplete (\(failures.prefix(3).joined(separator: "; ")))"
                + "; `\(repair)` repairs it from the hosts' own records"
        case .hostsNeedAttention(let hosts, let steps):
            return "hosts left out of service or with their application stopped:\n"
                + hosts.map { "  \($0)" }.joined(separator: "\n")
                + "\nnext: " + steps.joined(separator: "; or ")
        case .waitingForContinue(let id, let seconds, let command):
            return "\(id) is ready: the replacement fleet is installed; traffic moves when someone runs `\(command)` within \(formatDuration(seconds)), else it stays where it is"
        case .zoneBaking(let zone, let seconds, let until):
            return "\(zone.map { "zone \($0)" } ?? "the zone") is done; it bakes for \(formatDuration(Double(seconds))) (monitor_duration) until \(utcStamp(until)), then the next zone starts; a stop or an alarm ends it early"
        case .terminationWait(let fleet, let seconds, let until):
            return "traffic is on the new fleet; the \(fleet) fleet is terminated in \(formatDuration(Double(seconds))) "
                + "(termination_wait_time_in_minutes), at \(utcStamp(until)); a stop ends the wait and leaves it running"
        case .rollbackStarting(let failed, let to, let revision, let hosts, let note):
            return "rolling back \(failed) to \(to) (\(revision)) on \(hosts.joined(separator: ", "))" + (note.map { ": \($0)" } ?? "")
        case .rollbackImpossible(let why):
            return why
        case .rollbackFinished(let id, let status):
            return "rollback \(id) \(status == .succeeded ? "succeeded" : "ended \(status.rawValue)")"
        }
    }
}
