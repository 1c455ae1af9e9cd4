import HoistCore
import HoistEngine

/// The one place a deployment's ending becomes an exit code and its last words on stderr.
/// The verdict decides the code; a record left incomplete turns a success into
/// `historyIncomplete`, never a failure into a success.
enum DeploymentExit {
    static func code(for verdict: DeploymentVerdictSummary) -> HoistExitCode {
        switch verdict.status {
        case .succeeded: return .succeeded
        case .stopped: return .stopped
        default:
            if verdict.errorCode == .healthConstraintsInvalid || verdict.errorCode == .noInstances { return .couldNotStart }
            return .deploymentFailed
        }
    }

    /// `strict` (`--strict`): a success with failed hosts ("7 succeeded, 1 failed") is a
    /// failure; by default it stays CodeDeploy's success.
    static func report(_ report: DeploymentReport, strict: Bool = false) -> HoistExitCode {
        let code = code(for: report.verdict)
        if code == .succeeded, strict, report.verdict.hostStatuses.values.contains(.failed) { return .deploymentFailed }
        if code == .succeeded, report.historyIncomplete { return .historyIncomplete }
        return code
    }

    static func error(_ error: DeploymentError) -> HoistExitCode {
        printToStderr("hoist: \(error)")
        switch error {
        case .lockHeld: return .lockHeld
        case .lockFailed, .historyUnavailable, .trafficUnreachable: return .couldNotStart
        case .stoppedWaitingForLock, .stoppedTakingLock: return .stopped
        case .nothingToRollBack: return .invalidInput
        }
    }
}

/// Prints the coordinator's notices on stderr, one `hoist: ` sentence each; whatever the
/// output format, so they reach a person even under `--json`.
struct NoticePrinter: DeploymentObserver {
    func handle(_ event: DeploymentEvent) {
        guard case .notice(let notice) = event else { return }
        printToStderr(notice.sentence)
    }
}

extension DeploymentNotice {
    /// What `-q` still prints: something went wrong, or this deployment acted on another's
    /// (a lock taken over, its hooks stopped, its record marked Failed or Succeeded). A cron job's `-q`
    /// used to hide a takeover that stopped a teammate's hooks on every host.
    var isWarning: Bool {
        switch self {
        case .lockLost, .lockUnrenewed, .lockNotReleased, .historyIncomplete, .hostsNeedAttention,
             .staleLockTakenOver, .goneHolderLockTakenOver, .orphanedRunsStopped, .abandonedDeploymentMarkedFailed,
             .abandonedDeploymentRecordedFromHosts, .abandonedDeploymentJudgedFromHosts, .hostRecordNotWritten, .hostsLeftOutOfRotation,
             // A cron run that holds the lock for up to the outage limit says why.
             .waitingForHistory:
            return true
        default: return false
        }
    }

    /// `hoist: [warning: ]…`, as every output format shows a notice.
    var sentence: String { "hoist: " + (isWarning ? "warning: " : "") + description }
}
