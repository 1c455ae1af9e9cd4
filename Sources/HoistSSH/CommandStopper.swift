/// How a running remote command is stopped: past its deadline, or once cancelled, TERM goes to
/// its process group (when the group id has arrived), KILL after the grace, and some time
/// after that the caller gives the command up. The exec-channel runner and the resident shell
/// both stop commands through it, so they stop them the same way.
struct CommandStopper {
    /// After KILL, how long to wait for the output to end before giving the command up (a
    /// descendant that left the group may hold the channel or the shell open).
    static let afterKillSeconds: Double = 10

    let termAt: Double?
    let killGraceSeconds: Double
    private(set) var timedOut = false
    private(set) var cancelled = false
    private var sentTerm: Double?
    private var sentKill: Double?

    init(started: Double, timeoutSeconds: Double?, killGraceSeconds: Double) {
        termAt = timeoutSeconds.map { started + $0 }
        self.killGraceSeconds = killGraceSeconds
    }

    /// One look at the clock: sends the signal that is due through `signal`; true once the
    /// command should be given up.
    mutating func check(now: Double, processGroup: Int32?, isCancelled: () -> Bool, signal: (Int32, String) -> Void) -> Bool {
        // The group id comes with the first stderr line; a slow host may pass the deadline
        // before it arrives, so the signals wait for it.
        if let termAt, now >= termAt, !cancelled { timedOut = true }
        if !timedOut && isCancelled() { cancelled = true }
        if timedOut || cancelled, let processGroup, sentTerm == nil {
            sentTerm = now
            signal(processGroup, "TERM")
        }
        if let sentTerm, sentKill == nil, let processGroup, now >= sentTerm + killGraceSeconds {
            sentKill = now
            signal(processGroup, "KILL")
        }
        if let sentKill, now >= sentKill + Self.afterKillSeconds { return true }
        return false
    }

    /// Seconds until `check` has something to do, at the latest: the deadline, the KILL after
    /// the grace, giving up. A stop waiting for the group id waits for output, which wakes
    /// the caller anyway; a cancellation wakes it too (`PollWaker`).
    func secondsUntilDue(now: Double) -> Double {
        if let sentKill { return sentKill + Self.afterKillSeconds - now }
        if let sentTerm { return sentTerm + killGraceSeconds - now }
        if timedOut || cancelled { return 1 }
        return termAt.map { $0 - now } ?? .infinity
    }
}
