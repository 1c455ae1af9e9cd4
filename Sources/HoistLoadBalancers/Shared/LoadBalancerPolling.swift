import HoistCore

/// How drivers wait: the clock they read and sleep on, and how often they look again.
/// Every wait in this module goes through here so tests can bound and fake it.
public struct LoadBalancerPolling: Sendable {
    public var clock: any PollingClock
    /// Seconds between two looks at the balancer.
    public var intervalSeconds: Double

    public init(clock: any PollingClock = SystemPollingClock(), intervalSeconds: Double = 0.5) {
        self.clock = clock
        self.intervalSeconds = intervalSeconds
    }

    /// Calls `check` until it returns a value or `timeoutSeconds` have passed; returns nil on
    /// timeout. `check` runs at least once, and once more right at the deadline, so a
    /// condition that holds then is not missed.
    func until<T: Sendable>(timeoutSeconds: Double, _ check: () async throws -> T?) async throws -> T? {
        let deadline = clock.now() + max(0, timeoutSeconds)
        while true {
            if let value = try await check() { return value }
            let remaining = deadline - clock.now()
            if remaining <= 0 { return nil }
            try await clock.sleep(seconds: min(intervalSeconds, remaining))
        }
    }
}
