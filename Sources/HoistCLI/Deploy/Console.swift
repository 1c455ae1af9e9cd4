import Foundation
import HoistCore

/// Writes whole lines to stdout or stderr under one lock, so output from many hosts' tasks
/// never interleaves within a line.
///
/// On a terminal, everything it writes shows its control characters (`TerminalText`): hook
/// output, a revision's file names, an appspec's values, a colleague's `--description` in a
/// shared history and a host's lock record all reach the screen through it, and none of them
/// may steer the terminal (move the cursor, retitle the window, write the clipboard). Into a
/// pipe or a file, text goes as it is. Only the live view writes escape sequences of its own,
/// through `locked`.
///
/// Output must never end a deployment: with SIGPIPE ignored (`| head`, a killed `| tee`)
/// and SIGHUP ignored during a deployment (a closed terminal), a write to a dead pipe or
/// terminal fails with EPIPE or EIO; that stream is then marked dead and everything sent to
/// it afterwards is dropped. The history keeps every line (`hoist logs`). Nor may a reader
/// that stops reading hold a deployment up: its output is queued (`ConsoleBacklog`), and
/// `drain()` waits for it before the process ends.
final class Console: @unchecked Sendable {
    static let shared = Console()
    private let lock = NSLock()
    private var deadDescriptors: Set<Int32> = []
    /// Where `out` and `err` write: the process's stdout and stderr, or a test's pipes.
    private let outDescriptor: Int32
    private let errDescriptor: Int32
    let isTerminal: Bool
    private let errIsTerminal: Bool

    private var errors: [String] = []
    private var stamping = false
    /// errno of the first write to stdout that failed while someone still read it (a full
    /// disk under `> report.json`), not because its reader left (`| head`).
    private var outFailure: Int32?
    private var bestEffort = false

    init(out: Int32 = STDOUT_FILENO, err: Int32 = STDERR_FILENO) {
        outDescriptor = out
        errDescriptor = err
        isTerminal = isatty(out) == 1
        errIsTerminal = isatty(err) == 1
    }

    /// `droppable`: a hook's output line, which a reader far behind may miss (the history
    /// has it) rather than hold the deployment up.
    func out(_ text: String, droppable: Bool = false) { write(text, to: outDescriptor, droppable: droppable) }

    /// Text as stdout shows it: safe on a terminal, as it is anywhere else. For the live view,
    /// which mixes such text with its own escape sequences and writes it through `locked`.
    func shown(_ text: String) -> String {
        isTerminal ? TerminalText.safe(text) : text
    }

    /// Text for stdout as it is, newlines included (a table, a page of logs), written at once.
    func outText(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        writeRaw(shown(text), to: outDescriptor)
    }

    /// A line on stderr; with `stampsErrors` (plain deployment output) it starts with the time.
    func err(_ text: String) {
        lock.lock()
        errors = Array((errors + [text]).suffix(20))
        let stamped = stamping
        lock.unlock()
        write(stamped ? utcStamp(Date()) + " " + text : text, to: errDescriptor)
    }

    /// Plain deployment output: every stderr line carries its time, as stdout's do.
    var stampsErrors: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stamping }
        set { lock.lock(); stamping = newValue; lock.unlock() }
    }

    /// A running deployment's output is best effort: losing it must not change the
    /// deployment's exit code (the history keeps every line). Other commands' output is their
    /// result, and a failure to write it is the command's failure.
    var outputIsBestEffort: Bool {
        get { lock.lock(); defer { lock.unlock() }; return bestEffort }
        set {
            lock.lock()
            bestEffort = newValue
            if newValue, backlog == nil { backlog = ConsoleBacklog { [unowned self] in self.deliver($1, to: $0) } }
            lock.unlock()
        }
    }

    /// Set with `outputIsBestEffort`: from then on, writes queue.
    private var backlog: ConsoleBacklog?

    /// Waits until queued output has been written, or its reader found gone, and says how
    /// many lines were dropped since the last note. Before the process ends.
    func drain() {
        lock.lock()
        let backlog = self.backlog
        let stamped = stamping
        lock.unlock()
        guard let dropped = backlog?.drain(), dropped > 0 else { return }
        deliver(Array(droppedNote(dropped, stamped: stamped).utf8), to: errDescriptor)
    }

    /// How many bytes of output wait for their reader (0 unless output is best effort).
    var queuedBytes: Int {
        lock.lock()
        let backlog = self.backlog
        lock.unlock()
        return backlog?.waitingBytes ?? 0
    }

    func droppedNote(_ lines: Int, stamped: Bool) -> String {
        let text = "hoist: \(lines) line\(lines == 1 ? "" : "s") of output not shown: their reader fell "
            + "far behind (a paused terminal, a pipe not read); the deployment went on, "
            + "and `hoist logs` has every line\n"
        return stamped ? utcStamp(Date()) + " " + text : text
    }

    /// Why stdout could not take the command's result (nil: it could, its reader left, or
    /// the output is best effort).
    var lostOutput: String? {
        lock.lock()
        defer { lock.unlock() }
        guard !bestEffort, let failure = outFailure else { return nil }
        return String(cString: strerror(failure))
    }

    /// The last lines written to stderr (at most 20), for `--json`'s closing error object.
    var recentErrors: [String] {
        lock.lock()
        defer { lock.unlock() }
        return errors
    }

    private func isTerminal(_ descriptor: Int32) -> Bool {
        descriptor == outDescriptor ? isTerminal : descriptor == errDescriptor ? errIsTerminal : false
    }

    /// Writes `text` as one line (adding the newline when missing).
    func write(_ text: String, to descriptor: Int32, droppable: Bool = false) {
        let text = isTerminal(descriptor) ? TerminalText.safe(text) : text
        lock.lock()
        defer { lock.unlock() }
        writeRaw(text.hasSuffix("\n") ? text : text + "\n", to: descriptor, droppable: droppable)
    }

    /// Runs `body` holding the console lock (for the live view's redraws), with a writer
    /// for raw text.
    func locked(_ body: (_ write: (String) -> Void) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body { self.writeRaw($0, to: self.outDescriptor) }
    }

    /// Whether writing to `descriptor` has failed for good, or would: its reader is gone (a
    /// pipe whose reader closed it, `| head -1`; a hung-up terminal) though nothing was
    /// written since. poll() says so at once (POLLERR, POLLHUP), so a command that waits long
    /// between writes (`logs --follow` on a quiet deployment) need not write to find out.
    func isDead(_ descriptor: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if deadDescriptors.contains(descriptor) { return true }
        // No events asked for: only the errors and hang-ups poll() always reports.
        var entry = pollfd(fd: descriptor, events: 0, revents: 0)
        guard poll(&entry, 1, 0) == 1, entry.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 else { return false }
        deadDescriptors.insert(descriptor)
        return true
    }

    /// Caller holds the lock. Queued while a deployment runs, else written now.
    private func writeRaw(_ text: String, to descriptor: Int32, droppable: Bool = false) {
        guard !deadDescriptors.contains(descriptor) else { return }
        guard let backlog else {
            write(Array(text.utf8)[...], to: descriptor)
            return
        }
        let bytes = Array(text.utf8)
        // A reader keeping up takes a line at once: handing every line to the writer thread
        // cost a wake-up each (`--json` a fifth more CPU). Only a line that cannot be written
        // without waiting is queued. poll() promises a pipe PIPE_BUF bytes (4096 on Linux)
        // when it says writable, and a file never waits; producers take turns under the lock,
        // so nothing queued can come between. A terminal is always queued: one stopped with
        // Ctrl-S still says writable, and its write then waits until it is started again.
        if bytes.count <= 4096, !isTerminal(descriptor), backlog.isIdle, Self.writableNow(descriptor) {
            write(bytes[...], to: descriptor)
            return
        }
        let stamped = stamping
        backlog.enqueue(descriptor, bytes, droppable: droppable) { [errDescriptor] lines in
            (errDescriptor, Array(self.droppedNote(lines, stamped: stamped).utf8))
        }
    }

    /// On the backlog's thread: writes without the lock, which the hosts' output must get
    /// (taking it here for every write made the writer and the hosts wait on each other: a
    /// fifth more CPU for `--json`). Nothing is queued for a stream once it is dead; what was
    /// queued before fails again at once.
    private func deliver(_ bytes: [UInt8], to descriptor: Int32) {
        let failure = Self.writeAll(bytes[...], to: descriptor)
        guard let failure else { return }
        lock.lock()
        record(failure, on: descriptor)
        lock.unlock()
    }

    /// Caller holds the lock.
    private func write(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) {
        if let failure = Self.writeAll(bytes, to: descriptor) { record(failure, on: descriptor) }
    }

    private static func writableNow(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        return poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLOUT) != 0
            && entry.revents & Int16(POLLERR | POLLHUP | POLLNVAL) == 0
    }

    /// errno of a write that failed for good, or nil once every byte is written.
    private static func writeAll(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Int32? {
        var bytes = bytes
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                return written < 0 ? errno : EIO
            }
        }
        return nil
    }

    /// Caller holds the lock. EPIPE, EIO (the terminal is gone), EBADF: nobody reads this
    /// stream any more. Anything else (ENOSPC, EIO of a file) lost output someone wanted.
    private func record(_ failure: Int32, on descriptor: Int32) {
        let readerLeft = failure == EPIPE || (failure == EIO && isTerminal)
        if descriptor == outDescriptor, !readerLeft, outFailure == nil { outFailure = failure }
        deadDescriptors.insert(descriptor)
    }
}
