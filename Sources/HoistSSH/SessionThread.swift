import Foundation
import HoistCore

/// The one OS thread that drives one SSH connection. libssh2 sessions may only be used by one
/// thread at a time and every libssh2 wait is a poll(), so that work never runs on the Swift
/// concurrency pool; async callers hop here through a continuation and back.
final class SessionThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    /// Called on the thread when it has been idle for `idleInterval`; used for keepalives.
    private var idleWork: (() -> Void)?
    private var idleInterval: Double = 0

    init(name: String) {
        // Linux threads inherit their creator's name; Foundation renames a thread only from
        // inside it (the kernel keeps 15 bytes).
        let thread = Thread { [unowned self] in
            Thread.current.name = name
            self.loop()
        }
        // Each session needs little stack; hundreds of these threads must stay cheap.
        thread.stackSize = 1 << 20
        // The thread keeps `self` alive until `stop()` lets the loop end.
        retainedSelf = self
        HeapTrimmer.shared.threadStarted()
        thread.start()
    }

    private var retainedSelf: SessionThread?

    /// Runs `body` on this thread and returns its result to the async caller.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Queues a job; false once the thread has been stopped.
    @discardableResult
    func submit(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    func setIdleWork(every seconds: Double, _ work: @escaping () -> Void) {
        condition.lock()
        idleInterval = seconds
        idleWork = work
        condition.unlock()
    }

    /// Stops the idle work (keepalives) before the session it touches is freed.
    func clearIdleWork() {
        condition.lock()
        idleWork = nil
        condition.unlock()
    }

    /// Lets queued jobs finish, then ends the thread.
    func stop() {
        condition.lock()
        stopping = true
        idleWork = nil
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                if let idle = idleWork, idleInterval > 0 {
                    if !condition.wait(until: Date(timeIntervalSinceNow: idleInterval)) && jobs.isEmpty && !stopping {
                        condition.unlock()
                        idle()
                        condition.lock()
                    }
                } else {
                    condition.wait()
                }
            }
            if jobs.isEmpty && stopping {
                condition.unlock()
                retainedSelf = nil
                HeapTrimmer.shared.threadEnded()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
