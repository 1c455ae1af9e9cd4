import CLibSSH2
import Foundation

/// Returns malloc's free memory to the kernel every few seconds while session threads run.
/// Each session thread allocates and frees packets, keys and buffers in one of glibc's
/// arenas; with hundreds of threads the free holes between live blocks stay resident, since
/// glibc gives back only the free space at the top of an arena. `malloc_trim(0)` gives back
/// every free whole page in every arena: about 10 KB a host at 400 hosts, for a few
/// milliseconds of CPU a call (docs/performance.md).
final class HeapTrimmer: @unchecked Sendable {
    static let shared = HeapTrimmer()
    /// Seconds between two trims while sessions are open.
    static let interval = 3.0

    private let condition = NSCondition()
    private var threads = 0
    private var started = false

    /// A session thread started; the trimmer runs while any is alive.
    func threadStarted() {
        condition.lock()
        defer { condition.unlock() }
        threads += 1
        if !started {
            started = true
            let thread = Thread { [unowned self] in self.loop() }
            thread.stackSize = 1 << 16
            thread.start()
        }
        if threads == 1 { condition.signal() }
    }

    func threadEnded() {
        condition.lock()
        threads -= 1
        condition.unlock()
    }

    private func loop() {
        Thread.current.name = "heap trimmer"
        while true {
            condition.lock()
            while threads == 0 { condition.wait() }
            // Signalled only when the first thread starts, so this waits the whole interval.
            _ = condition.wait(until: Date(timeIntervalSinceNow: Self.interval))
            let busy = threads > 0
            condition.unlock()
            if busy { hoist_malloc_trim() }
        }
    }
}
