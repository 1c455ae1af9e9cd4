import HoistCore

/// The protocol of a host's resident shell (see `ResidentShell`): one `bash -s` per session
/// reads commands from its stdin, so a command costs one round trip instead of a channel
/// open, an exec request and a close. This type renders what is written to that stdin and
/// knows the end-of-command line the shell prints on both streams.
///
/// A command runs as on its own exec channel: in `sh`, in a process group of its own (the
/// shell's job control, `set -m`, gives each command line one: no `setsid` program per
/// command), announced by `RemoteCommandWrapper`'s marker on stderr (the same `sh` then runs
/// the command: no second `sh`), with stdin from /dev/null or from exactly the given input
/// bytes (and the host's clock, `HostClock`, and the resident perl's file operations,
/// `ResidentFileOps`, when it asks). After it ends the shell prints
/// `\n<END> <status>\n` on stdout and on stderr. END is random per shell and never on any
/// command line, so a command cannot forge it; the leading newline lets the reader strip
/// exactly what the shell added, whether or not the command's output ended with a newline.
struct ShellFraming: Sendable {
    /// The end marker, e.g. `HOIST-END-3f…`.
    let marker: String

    init(marker: String = "HOIST-END-" + (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined()) {
        self.marker = marker
    }

    /// What the channel runs: bash reading commands from stdin (bash never reads a pipe past
    /// the command it reads, so `head -c` in a command gets exactly the bytes after it).
    static let channelCommand = "exec bash --noprofile --norc -s"

    /// Written once, before the first command. Job control on (`set -m`): each command line
    /// runs in a process group of its own, which `hoist stop` and a timeout signal as a whole.
    /// The shell's own messages (bash reports a command killed by a signal on stderr) go
    /// nowhere; commands get the channel's stderr through descriptor 4. Without head the
    /// shell ends at once, and the session runs commands on exec channels instead. It ends
    /// with an end line of its own: what comes before it is the login shell's (a version
    /// manager's setup in .bashrc, say), not the first command's, and is dropped. Its first
    /// line defines `hoist_run`, which reads the rest as it reads every command.
    var prologue: String {
        let end = shellQuote(marker)
        return Self.runFunction + Self.framed(
            "command -v head >/dev/null || exit 97\n"
            + "set -m\n"
            + "exec 4>&2 2>/dev/null\n"
            + "hoist_end() { s=$?; printf '\\n%s %s\\n' \(end) \"$s\"; printf '\\n%s %s\\n' \(end) \"$s\" >&4; }\n"
            + ResidentPerl.functions
            + "hoist_end\n")
    }

    /// One command: `hoist_run COUNT`, then a single line of shell of COUNT bytes (the quoted
    /// command may span lines), then `inputCount` bytes of its stdin when it has input.
    ///
    /// A command that only execs a program with quoted arguments (`exec` and `shellJoin`'s
    /// words: every hook) runs in a subshell of the resident bash instead, where it means the
    /// same: one `sh` fewer on the host for each hook. Without input, a perl program started
    /// as `ResidentPerlProgram.start` says, with such words, runs in a fork of the shell's
    /// resident perl (`ResidentPerl`).
    func command(_ command: String, inputCount: Int?) -> String {
        Self.framed(line(command, inputCount: inputCount))
    }

    /// bash reads its script from a pipe one byte per system call, and a deployment sends a
    /// host's shell about 24 KB of commands (the hook runner, each hook's arguments, the
    /// install): as many reads, a tenth of a millisecond of the host's CPU per kilobyte.
    /// `read -N` takes a command's COUNT bytes in one read instead (bash 5.2, Debian 12's; an
    /// older bash may read them a byte at a time, as before), counting bytes in the C locale,
    /// and never reads past them, so a command's input still follows it. Nothing runs unless
    /// all COUNT bytes arrived: a channel that breaks mid-command runs no part of it. bash
    /// drops NUL bytes without counting them, so a command that holds one goes as a plain line.
    static func framed(_ line: String) -> String {
        if line.utf8.contains(0) { return line }
        return "hoist_run \(line.utf8.count)\n" + line
    }

    /// Defined by the prologue: reads a framed command and runs it in the shell itself, with
    /// no positional parameters (the function's count is not the command's). Where `read -N`
    /// is refused (bash before 4.1), nothing was read, and the shell reads the command as a
    /// plain line.
    static let runFunction =
        "hoist_run() { LC_ALL=C IFS= read -r -N \"$1\" hoist_c && { set --; eval \"$hoist_c\"; }; }\n"

    private func line(_ command: String, inputCount: Int?) -> String {
        let perl = command.dropFirst(ResidentPerlProgram.start.count)
        if inputCount == nil, command.hasPrefix(ResidentPerlProgram.start), isJoinedWords(perl) {
            return ResidentPerl.command(words: perl) + "; hoist_end\n"
        }
        let words = command.hasPrefix("exec ") && isJoinedWords(command.dropFirst(5)) ? command.dropFirst(5) : nil
        // Without input the `sh` is its job's only process, so its leader: `$$` is the group,
        // with no byte-at-a-time read of /proc/self/stat (about 300 system calls).
        let announced = words == nil && inputCount == nil ? RemoteCommandWrapper.wrap(command) : RemoteCommandWrapper.announced(command)
        let clock = command.contains(HostClock.variable) ? HostClock.residentShellAssignment : ""
        // A program that starts with `ResidentFileOps.functions` keeps the perl's pipes,
        // readied first; no other command (a user's, naming the variable or not) does.
        let files = command.hasPrefix(ResidentFileOps.functions)
        let ready = files ? "hoist_fs_up; " : ""
        let fileOps = files ? "\(ResidentFileOps.variable)=$hoist_fs " : ""
        let closed = files ? "4>&-" : Self.shellDescriptorsClosed
        let run = words != nil ? "( \(announced) )" : "\(clock)\(fileOps)sh -c \(shellQuote(announced))"
        if let inputCount {
            return "\(ready)head -c \(inputCount) | \(run) 2>&4 \(closed); hoist_end\n"
        }
        return "\(ready)\(run) </dev/null 2>&4 \(closed); hoist_end\n"
    }

    /// Closes, for a command, the descriptors only the shell keeps: the channel's stderr (4)
    /// and the resident perl's pipes (8, 9).
    static let shellDescriptorsClosed = "4>&- 8>&- 9>&-"

    /// The shell reports a command killed by signal N as status 128+N, as shells do.
    static func result(status: Int32, timedOut: Bool, durationSeconds: Double) -> CommandResult {
        if status > 128, status <= 128 + 31, let name = signalNames[Int(status - 128)] {
            return CommandResult(exitStatus: nil, signal: name, timedOut: timedOut, durationSeconds: durationSeconds)
        }
        return CommandResult(exitStatus: status, timedOut: timedOut, durationSeconds: durationSeconds)
    }

    /// Linux signal numbers to the names an exec channel's exit-signal uses.
    static let signalNames: [Int: String] = [
        1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS", 8: "FPE", 9: "KILL",
        10: "USR1", 11: "SEGV", 12: "USR2", 13: "PIPE", 14: "ALRM", 15: "TERM",
    ]
}

/// Finds the resident shell's end line in one output stream. Bytes before it are the
/// command's output; bytes after it (a background process writing late) are kept for the
/// next command. Output is passed on as it comes: only what may be the start of an end line
/// is held back, and a newline that may be one is passed on at once when it ends a line
/// (the end line's newline would end that line anyway), so a command's last line is never
/// late.
struct EndMarkerScanner {
    private let needle: [UInt8]
    private var pending: [UInt8] = []
    /// `pending` starts with a newline already passed on.
    private var lent = false
    /// The last byte passed on for the current command.
    private var lastEmitted: UInt8?

    init(marker: String) {
        needle = Array("\n\(marker) ".utf8)
    }

    /// Adds bytes; passes on every byte that is surely the command's output, and returns the
    /// status once the whole end line has arrived.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) -> Int32? {
        pending.append(contentsOf: bytes)
        return scan(emit: emit)
    }

    /// Looks for an end line in what is already held (after a command ended, late bytes
    /// may hold the next one).
    mutating func scan(emit: (UnsafeRawBufferPointer) -> Void) -> Int32? {
        let from = lent ? 1 : 0
        if let start = find(needle, in: pending) {
            let afterNeedle = start + needle.count
            if let newline = pending[afterNeedle...].firstIndex(of: UInt8(ascii: "\n")) {
                let status = Int32(String(decoding: pending[afterNeedle..<newline], as: UTF8.self)) ?? -1
                pass(from, start, emit)
                pending.removeSubrange(..<(newline + 1))
                // The shell lives as long as its session, and a probe's output grew this
                // buffer to kilobytes: give them back between commands.
                if pending.isEmpty { pending = [] }
                lent = false
                lastEmitted = nil
                return status
            }
            pass(from, start, emit)
            pending.removeSubrange(..<start)
        } else {
            // An end line may be starting at the end: hold back just that part.
            var cut = pending.count
            var candidate = max(from, pending.count - (needle.count - 1))
            while candidate < pending.count {
                if pending[candidate] == needle[0], pending[candidate...].elementsEqual(needle.prefix(pending.count - candidate)) {
                    cut = candidate
                    break
                }
                candidate += 1
            }
            pass(from, cut, emit)
            pending.removeSubrange(..<cut)
        }
        lent = false
        // What is held starts with a newline: pass it on now when it ends a line.
        if let held = pending.first, held == needle[0], let last = lastEmitted, last != UInt8(ascii: "\n") {
            pass(0, 1, emit)
            lent = true
        }
        return nil
    }

    private mutating func pass(_ from: Int, _ to: Int, _ emit: (UnsafeRawBufferPointer) -> Void) {
        guard to > from else { return }
        pending[from..<to].withUnsafeBytes { emit($0) }
        lastEmitted = pending[to - 1]
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            guard let hit = haystack[index...last].firstIndex(of: first) else { return nil }
            if haystack[hit..<(hit + needle.count)].elementsEqual(needle) { return hit }
            index = hit + 1
        }
        return nil
    }
}
