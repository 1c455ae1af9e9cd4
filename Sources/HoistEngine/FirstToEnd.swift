import HoistCore

/// The value of whichever of two jobs ends first; the other is cancelled and not waited for.
/// A task group waits for every child, and what runs on a frozen host (a handshake, a command
/// whose connection is not yet declared dead) may not end for half a minute however it is
/// cancelled: a stop must not wait for it. Cancelling the caller cancels both.
func firstToEnd<T: Sendable>(_ first: @escaping @Sendable () async -> T,
                             _ second: @escaping @Sendable () async -> T) async -> T {
    let waiting = Locked<CheckedContinuation<T, Never>?>(nil)
    let tasks = Locked<[Task<Void, Never>]>([])
    @Sendable func cancelAll() { for task in tasks.current { task.cancel() } }
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            waiting.withLock { $0 = continuation }
            for job in [first, second] {
                let task = Task {
                    let value = await job()
                    let winner = waiting.withLock { waiting in defer { waiting = nil }; return waiting }
                    guard let winner else { return }
                    winner.resume(returning: value)
                    cancelAll()
                }
                tasks.withLock { $0.append(task) }
            }
            // A job that ended before the other was started cancelled only itself; a caller
            // cancelled before they were started cancelled neither.
            if waiting.current == nil || Task.isCancelled { cancelAll() }
        }
    } onCancel: {
        cancelAll()
    }
}
