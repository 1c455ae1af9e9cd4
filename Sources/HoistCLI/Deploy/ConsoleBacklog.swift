import Foundation

/// Where a running deployment's output waits for its reader, so that a reader who stops
/// reading (`| less` left on a page, a terminal paused with Ctrl-S, a slow link) cannot stop
/// the deployment. A blocking write() under the console's lock held up every host's output
/// callback, hence its session thread: hooks ran into their timeouts with their output
/// unread, and the lock's heartbeat, which shares those sessions, stopped until another
/// deployment took the lock over.
///
/// One thread writes; the hosts only queue. Past `limit` bytes waiting, hook output lines
/// are dropped and counted, and a note says how many once there is room again: the history
/// keeps every line. The deployment's own lines (events, notices, the verdict) wait up to
/// `hardLimit`.
final class ConsoleBacklog: @unchecked Sendable {
    /// Output a reader may fall behind by before hook output is dropped.
    static let limit = 4 << 20
    /// ... and before anything is.
    static let hardLimit = 64 << 20

    private let condition = NSCondition()
    private var items: [(descriptor: Int32, bytes: [UInt8])] = []
    private var waiting = 0
    private var dropped = 0
    private var dropping = false
    private var writing = false
    /// Writes one item whole, blocking, and notes a stream that failed.
    private let deliver: (Int32, [UInt8]) -> Void

    init(deliver: @escaping (Int32, [UInt8]) -> Void) {
        self.deliver = deliver
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "hoist output"
        thread.stackSize = 256 << 10
        // The thread holds the backlog for the life of the process, as Console.shared does.
        retained = self
        thread.start()
    }

    private var retained: ConsoleBacklog?

    /// Queues `bytes` for `descriptor`, or drops them when the reader is too far behind
    /// (`droppable`: hook output).
    /// `note` renders the line that reports `N` dropped lines, queued before the next line
    /// that fits.
    func enqueue(_ descriptor: Int32, _ bytes: [UInt8], droppable: Bool, note: (Int) -> (Int32, [UInt8])) {
        let limit = droppable ? Self.limit : Self.hardLimit
        condition.lock()
        defer { condition.unlock() }
        func drop() {
            dropped += max(1, bytes.lazy.filter { $0 == 10 }.count)
            dropping = true
        }
        // Once dropping, hook output goes on being dropped until the reader has caught up
        // halfway: a note per handful of lines would be most of what it reads.
        if dropping, waiting <= Self.limit / 2 { dropping = false }
        if droppable, dropping { return drop() }
        var note = dropped > 0 ? note(dropped) : nil
        guard waiting + (note?.1.count ?? 0) + bytes.count <= limit else { return drop() }
        if let (noteDescriptor, noteBytes) = note.take() {
            dropped = 0
            append(noteDescriptor, noteBytes)
        }
        append(descriptor, bytes)
    }

    private func append(_ descriptor: Int32, _ bytes: [UInt8]) {
        // The writer takes everything queued at once: only the first item wakes it. A wake-up
        // per line cost `--json` a fifth more CPU on a chatty hook (scripts/bench-output).
        let wake = items.isEmpty
        items.append((descriptor, bytes))
        waiting += bytes.count
        if wake { condition.broadcast() }
    }

    /// Bytes queued or being written: how far the reader is behind.
    var waitingBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting
    }

    /// Nothing queued, being written or dropped: a line may go straight out, in order.
    var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return items.isEmpty && !writing && dropped == 0 && !dropping
    }

    /// Waits until everything queued has been written (or its stream found dead); the
    /// count of lines dropped, if any are still unreported.
    func drain() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while !items.isEmpty || writing { condition.wait() }
        defer { dropped = 0 }
        return dropped
    }

    private func loop() {
        while true {
            condition.lock()
            while items.isEmpty { condition.wait() }
            // All that waits, in one go: what comes meanwhile queues behind it.
            let batch = items
            items = []
            writing = true
            condition.unlock()
            // Consecutive lines for one stream go in one write.
            var index = batch.startIndex
            while index < batch.endIndex {
                let descriptor = batch[index].descriptor
                var bytes = batch[index].bytes
                index += 1
                while index < batch.endIndex, batch[index].descriptor == descriptor {
                    bytes += batch[index].bytes
                    index += 1
                }
                deliver(descriptor, bytes)
            }
            condition.lock()
            writing = false
            waiting -= batch.reduce(0) { $0 + $1.bytes.count }
            condition.broadcast()
            condition.unlock()
        }
    }
}
