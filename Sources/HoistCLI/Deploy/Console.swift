import Foundation

/// Writes whole lines to stdout or stderr under one lock, so output from many hosts' tasks
/// never interleaves within a line.
final class Console: @unchecked Sendable {
    static let shared = Console()
    private let lock = NSLock()
    let isTerminal = isatty(STDOUT_FILENO) == 1

    private var errors: [String] = []
    private var stamping = false

    func out(_ text: String) { write(text, to: FileHandle.standardOutput) }

    /// A line on stderr; with `stampsErrors` (plain deployment output) it starts with the time.
    func err(_ text: String) {
        lock.lock()
        errors = Array((errors + [text]).suffix(20))
        let stamped = stamping
        lock.unlock()
        write(stamped ? utcStamp(Date()) + " " + text : text, to: FileHandle.standardError)
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

    func write(_ text: String, to handle: FileHandle) {
        lock.lock()
        defer { lock.unlock() }
        handle.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Runs `body` holding the console lock (for the live view's redraws).
    func locked(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body()
    }
}

func formatDuration(_ seconds: Double) -> String {
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    if seconds < 120 { return String(format: "%.0fs", seconds) }
    return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
}
