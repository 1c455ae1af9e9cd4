import HoistCore

/// How far a stop request has gone: the first Ctrl-C (or SIGTERM, or `hoist stop`) lets
/// running hooks finish and starts nothing new (uploads ahead of a host's turn stop); the
/// second kills running hooks, unpacking and Install, and stops running uploads.
public enum StopLevel: Int, Sendable, Comparable {
    case none = 0, graceful = 1, immediate = 2
    public static func < (a: StopLevel, b: StopLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Why a deployment is being stopped: a person (Ctrl-C, SIGTERM, `hoist stop`: MANUAL_STOP),
/// an alarm check in ALARM (ALARM_ACTIVE, with a sentence naming the checks), or the group's
/// lock no longer being this deployment's (INTERNAL_ERROR, saying who holds it): a coordinator
/// that lost its lock must not touch the hosts again, not even to roll back.
public enum StopCause: Sendable, Hashable {
    case request
    case alarm(String)
    case lockLost(String)
}

/// Shared between the signal handlers, the coordinator and every host's task.
public final class StopController: Sendable {
    private struct State {
        var level: StopLevel = .none
        var reason: String?
        var cause: StopCause = .request
        /// Each waiter with the level it waits to see exceeded.
        var waiters: [Int: (above: StopLevel, continuation: CheckedContinuation<StopLevel, Never>)] = [:]
        var nextWaiter = 0
    }
    private let state = Locked(State())
    /// Asked at every read of `level`, so that whatever is about to start something on a
    /// host learns of a stop that is due but not yet requested (`setGate`).
    private let gate = Locked<(@Sendable () -> Void)?>(nil)

    public init() {}

    /// Each read of the level first runs `check`, which may request a stop: a coordinator
    /// that was suspended (a laptop lid, SIGSTOP) past its lock's lease must not start the
    /// next event before its heartbeat's watchdog has woken to say so.
    public func setGate(_ check: (@Sendable () -> Void)?) {
        gate.withLock { $0 = check }
    }

    public var level: StopLevel {
        gate.current?()
        return state.current.level
    }
    public var reason: String? { state.current.reason }
    /// What asked for the first stop (or a lost lock, whenever it came).
    public var cause: StopCause { state.current.cause }

    /// Raises the stop level by one step (or to `level`), waking whoever waits.
    public func request(_ level: StopLevel? = nil, reason: String = "stop requested", cause: StopCause = .request) {
        let (waiters, current) = state.withLock { s -> ([CheckedContinuation<StopLevel, Never>], StopLevel) in
            // A lost lock outranks any other cause: whatever stopped the deployment first, it
            // must not touch the hosts again (no automatic rollback).
            if case .lockLost = cause, s.level > .none { s.cause = cause; s.reason = reason }
            let next = level ?? StopLevel(rawValue: min(s.level.rawValue + 1, 2))!
            guard next > s.level else { return ([], s.level) }
            if s.level == .none { s.cause = cause }
            s.level = next
            if s.reason == nil { s.reason = reason }
            // Only those waiting for a level below the new one: a waiter for "above graceful"
            // (the hook killer) must sleep through the first Ctrl-C.
            let woken = s.waiters.filter { $0.value.above < next }
            for id in woken.keys { s.waiters.removeValue(forKey: id) }
            return (woken.values.map(\.continuation), next)
        }
        for w in waiters { w.resume(returning: current) }
    }

    /// Back to no stop, for a new deployment that follows a stopped one under the same
    /// controller (an automatic rollback after a stop).
    public func reset() {
        state.withLock { s in
            s.level = .none
            s.reason = nil
            s.cause = .request
        }
    }

    /// Sleeps for `duration` unless a stop comes first, and says whether one came: no stop
    /// waits out a zone's bake or a wait for the group's lock.
    public func sleep(for duration: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { race in
            race.addTask { try? await Task.sleep(for: duration) }
            race.addTask { _ = await self.wait(above: .none) }
            await race.next()
            race.cancelAll()
        }
        return level > .none
    }

    /// Returns when the stop level rises above `level`, or at once (with the current level)
    /// when the waiting task is cancelled.
    public func wait(above level: StopLevel) async -> StopLevel {
        let id = state.withLock { s -> Int in s.nextWaiter += 1; return s.nextWaiter }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { cont in
                let now: StopLevel? = state.withLock { s in
                    if s.level > level || Task.isCancelled { return s.level }
                    s.waiters[id] = (level, cont)
                    return nil
                }
                if let now { cont.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { s in s.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: self.level)
        }
    }
}
