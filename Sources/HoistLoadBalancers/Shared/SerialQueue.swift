import HoistCore

/// Runs async operations one after another, in the order they arrive. Read-modify-write
/// drivers (nginx) need it: an actor would interleave at every await.
final class SerialQueue: Sendable {
    private let tail = Locked<Task<Void, Never>?>(nil)

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task: Task<T, Error> = tail.withLock { tail in
            let previous = tail
            let task = Task<T, Error> {
                await previous?.value
                return try await body()
            }
            tail = Task { _ = try? await task.value }
            return task
        }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
