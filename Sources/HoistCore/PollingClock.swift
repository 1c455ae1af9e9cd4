/// The time source for anything that waits by polling (load balancer drains and health
/// checks). Injected so tests can run waits on a fake clock and production uses the real one.
public protocol PollingClock: Sendable {
    /// Seconds on a monotonic scale; only differences mean anything.
    func now() -> Double
    /// Suspends for `seconds`; throws when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// The real monotonic clock.
public struct SystemPollingClock: PollingClock {
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    public init() { start = clock.now }

    public func now() -> Double {
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    public func sleep(seconds: Double) async throws {
        try await clock.sleep(for: .seconds(max(0, seconds)))
    }
}
