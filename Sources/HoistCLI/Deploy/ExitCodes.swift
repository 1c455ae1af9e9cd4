import ArgumentParser

/// Hoist's documented exit codes: the one list, shown in `hoist deploy --help` and
/// docs/architecture.md. Every deployment command ends through `DeploymentExit`.
public enum HoistExitCode: Int32, Sendable, CaseIterable {
    case succeeded = 0
    /// A command other than a deployment did not do what it was asked (a host `ping` could
    /// not reach, nothing for `stop` to stop), or its result could not be written (stdout is
    /// a file on a full disk).
    case commandFailed = 1
    /// The user's input (flags, files, configuration) is wrong; nothing was done.
    case invalidInput = 2
    case deploymentFailed = 3
    case stopped = 4
    /// The deployment could not start (the minimum healthy hosts cannot be met, no host
    /// could be locked, the history could not record it).
    case couldNotStart = 5
    /// Another deployment holds the group's lock.
    case lockHeld = 6
    /// The deployment succeeded on its hosts but its history record is incomplete (a write
    /// failed); `hoist show ID --refresh` repairs it.
    case historyIncomplete = 7
}

extension ExitCode {
    init(_ code: HoistExitCode) { self.init(code.rawValue) }
}
