import HoistCore

/// Wraps a command so that its process group can be stopped later. Closing an SSH channel
/// does not stop the remote process, so the wrapper reports the group id (sshd starts each
/// exec in a new session, and the login shell execs the `sh` that runs the request, so that
/// shell's pid is its group id) as the first stderr line, then runs the command in that same
/// `sh` (`LoginShellRequest`): no second shell.
enum RemoteCommandWrapper {
    static let marker = "HOIST-PGID:"

    static func wrap(_ command: String) -> String {
        announce + "\n" + command
    }

    /// The same for a shell that is in a process group of its own but not its leader (the
    /// resident shell's `sh -c` behind `head -c N |`, a subshell of bash): the group id comes
    /// from the kernel (/proc/self/stat, read by the shell itself: its fifth field) rather
    /// than `$$`. Where the `sh` is the job's only process, `wrap` says the same for less: dash
    /// reads that line a byte per system call.
    static func announced(_ command: String) -> String {
        announceGroup + "\n" + command
    }

    private static let announceGroup =
        "read -r _ _ _ _ hoist_pgid _ </proc/self/stat; printf '%s%s\\n' \(shellQuote(marker)) \"$hoist_pgid\" >&2"

    private static let announce = "printf '%s%s\\n' \(shellQuote(marker)) \"$$\" >&2"

    /// The group id when `line` is the wrapper's marker line. Never 1 or less: `kill -1`
    /// and `kill -0` would reach every process or the killer's own group.
    static func processGroup(fromMarker line: String) -> Int32? {
        guard line.hasPrefix(marker), let group = Int32(line.dropFirst(marker.count)), group > 1 else { return nil }
        return group
    }

    /// Signals every process of the group; silent when it is already gone.
    static func killGroup(_ pgid: Int32, signal: String) -> String {
        "kill -\(shellQuote(signal)) -\(pgid) 2>/dev/null; true"
    }
}
