import HoistCore

/// Holds whoever waits on it until it is opened, and is deaf to cancellation meanwhile, as a
/// handshake or a command on a frozen host is: a fake built on it cannot let a caller that
/// waits for a cancelled job pass for one that does not. Open it when the test ends, so
/// nothing is left waiting.
public final class Gate: Sendable {
    private let state = Locked<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    public func wait() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if !state.open { state.waiting.append(continuation) }
                return state.open
            }
            if now { continuation.resume() }
        }
    }

    public func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
