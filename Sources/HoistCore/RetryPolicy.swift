/// How often a failed attempt is tried again, and how long to wait between tries:
/// exponential backoff, a bounded number of attempts. Trigger deliveries use it, and the
/// HAProxy driver for a runtime API it cannot reach.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included.
    public var attempts: Int
    /// The wait after the first failure; each later wait doubles, up to `maximumDelaySeconds`.
    public var firstDelaySeconds: Double
    public var maximumDelaySeconds: Double

    public init(attempts: Int, firstDelaySeconds: Double, maximumDelaySeconds: Double) {
        self.attempts = max(1, attempts)
        self.firstDelaySeconds = firstDelaySeconds
        self.maximumDelaySeconds = maximumDelaySeconds
    }

    /// Four attempts, 1 s, 2 s and 4 s apart.
    public static let standard = RetryPolicy(attempts: 4, firstDelaySeconds: 1, maximumDelaySeconds: 30)

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed; nil
    /// when no attempt is left.
    public func delay(afterAttempt attempt: Int) -> Double? {
        guard attempt >= 1, attempt < attempts else { return nil }
        var delay = firstDelaySeconds
        for _ in 1..<attempt { delay *= 2 }
        return min(delay, maximumDelaySeconds)
    }
}
