import HoistCore

/// How far a stop request has gone: the first Ctrl-C (or SIGTERM, or `hoist stop`) lets
/// running hooks finish and starts nothing new; the second kills running hooks.
public enum StopLevel: Int, Sendable, Comparable {
    case none = 0, graceful = 1, immediate = 2
    public static func < (a: StopLevel, b: StopLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Shared between the signal handlers, the coordinator and every host's task.
public final class StopController: Sendable {
    private let state = Locked<(level: StopLevel, waiters: [CheckedContinuation<StopLevel, Never>], reason: String?)>((.none, [], nil))

    public init() {}

    public var level: StopLevel { state.current.level }
    public var reason: String? { state.current.reason }

    /// Raises the stop level by one step (or to `level`), waking whoever waits.
    public func request(_ level: StopLevel? = nil, reason: String = "stop requested") {
        let waiters = state.withLock { s -> [CheckedContinuation<StopLevel, Never>] in
            let next = level ?? StopLevel(rawValue: min(s.level.rawValue + 1, 2))!
            guard next > s.level else { return [] }
            s.level = next
            if s.reason == nil { s.reason = reason }
            let w = s.waiters
            s.waiters = []
            return w
        }
        let current = self.level
        for w in waiters { w.resume(returning: current) }
    }

    /// Returns when the stop level rises above `level`.
    public func wait(above level: StopLevel) async -> StopLevel {
        await withCheckedContinuation { cont in
            let now: StopLevel? = state.withLock { s in
                if s.level > level { return s.level }
                s.waiters.append(cont)
                return nil
            }
            if let now { cont.resume(returning: now) }
        }
    }
}
