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
/// it afterwards is dropped. The history keeps every line (`hoist logs`).
final class Console: @unchecked Sendable {
    static let shared = Console()
    private let lock = NSLock()
    private var deadDescriptors: Set<Int32> = []
    /// Where "stdout" goes: standard output, or a file for a test of the live view.
    private let output: Int32
    let isTerminal: Bool
    private let errIsTerminal = isatty(STDERR_FILENO) == 1

    private var errors: [String] = []
    private var stamping = false

    init(output: Int32 = STDOUT_FILENO) {
        self.output = output
        isTerminal = isatty(output) == 1
    }

    func out(_ text: String) { write(text, to: output) }

    /// Text as stdout shows it: safe on a terminal, as it is anywhere else. For the live view,
    /// which mixes such text with its own escape sequences and writes it through `locked`.
    func shown(_ text: String) -> String {
        isTerminal ? TerminalText.safe(text) : text
    }

    /// Text for stdout as it is, newlines included (a table, a page of logs), written at once.
    func outText(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        writeRaw(shown(text), to: output)
    }

    /// A line on stderr; with `stampsErrors` (plain deployment output) it starts with the time.
    func err(_ text: String) {
        lock.lock()
        errors = Array((errors + [text]).suffix(20))
        let stamped = stamping
        lock.unlock()
        write(stamped ? utcStamp(Date()) + " " + text : text, to: STDERR_FILENO)
    }

    /// Plain deployment output: every stderr line carries its time, as stdout's do.
    var stampsErrors: Bool {
        get { lock.lock(); defer { lock.unlock() }; return stamping }
        set { lock.lock(); stamping = newValue; lock.unlock() }
    }

    /// The last lines written to stderr (at most 20), for `--json`'s closing error object.
    var recentErrors: [String] {
        lock.lock()
        defer { lock.unlock() }
        return errors
    }

    /// Writes `text` as one line (adding the newline when missing).
    func write(_ text: String, to descriptor: Int32) {
        let terminal = descriptor == output ? isTerminal : descriptor == STDERR_FILENO ? errIsTerminal : false
        let text = terminal ? TerminalText.safe(text) : text
        lock.lock()
        defer { lock.unlock() }
        writeRaw(text.hasSuffix("\n") ? text : text + "\n", to: descriptor)
    }

    /// Runs `body` holding the console lock (for the live view's redraws), with a writer
    /// for raw text.
    func locked(_ body: (_ write: (String) -> Void) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body { self.writeRaw($0, to: self.output) }
    }

    /// Whether writing to `descriptor` has failed for good.
    func isDead(_ descriptor: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return deadDescriptors.contains(descriptor)
    }

    /// Caller holds the lock.
    private func writeRaw(_ text: String, to descriptor: Int32) {
        guard !deadDescriptors.contains(descriptor) else { return }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                // EPIPE, EIO (the terminal is gone), EBADF: nobody reads this stream any more.
                deadDescriptors.insert(descriptor)
                return
            }
        }
    }
}
