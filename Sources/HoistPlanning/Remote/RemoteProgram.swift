import HoistCore

/// The words every remote program of a deployment is written with, in one place so each is
/// written once and tested as text: the become rule, the `sudo -n sh -c` wrapping, the
/// marker lines a program answers with, and atomic file writes.
public enum RemoteProgram {
    /// The become rule: programs run under sudo when the host says `become` and the SSH user
    /// is not root already.
    public static func usesSudo(_ host: HostSpec) -> Bool {
        host.become && host.user != "root"
    }

    /// Wraps `program` for a host: as it is, or as `sudo -n sh -c '<program>'` (never asking
    /// for a password: a host that needs one fails at once instead of hanging).
    public static func wrap(_ program: String, sudo: Bool) -> String {
        sudo ? "sudo -n sh -c " + shellQuote(program) : program
    }

    public static func wrap(_ program: String, for host: HostSpec) -> String {
        wrap(program, sudo: usesSudo(host))
    }

    /// Wraps a program whose renames, removals, folders and modes the resident shell's perl
    /// may do (`ResidentFileOps`): one that leaves no process running. Under sudo, whose
    /// environment and descriptors are its own, it runs the programs as it always did.
    public static func wrap(fileOps program: String, sudo: Bool) -> String {
        sudo ? wrap(program, sudo: true) : ResidentFileOps.functions + program
    }

    /// Reply lines start with this byte (ASCII record separator), which no ordinary output
    /// starts with, so a program's answer survives a noisy login shell.
    public static let marker: Character = "\u{1e}"

    /// Shell that sets `m` to the marker byte, for `printf '%skey value\n' "$m"`: the byte
    /// itself, quoted (a command substitution would cost the host a process).
    public static let markerVariable = "m=" + shellQuote(String(marker))

    /// The reply lines of `stdout` as (key, value), split at the first `separator`; other
    /// lines are ignored.
    public static func replies(_ stdout: some Sequence<Substring>, separator: Character) -> [(key: String, value: String)] {
        stdout.compactMap { line in
            guard line.first == marker else { return nil }
            let body = line.dropFirst()
            guard let split = body.firstIndex(of: separator) else { return (String(body), "") }
            return (String(body[..<split]), String(body[body.index(after: split)...]))
        }
    }

    /// Writes `path` atomically: the content goes to `<path>.tmp` first and is renamed over
    /// `path`, so a reader never sees half a file. `content` is a shell word (quoted value or
    /// expansion) printed with `printf '%s\n'`.
    public static func atomicWrite(_ path: String, shellWord content: String) -> String {
        let temp = shellQuote(path + ".tmp")
        return "printf '%s\\n' \(content) >\(temp) && mv -f \(temp) \(shellQuote(path))"
    }

    /// Writes `value` to `path` atomically.
    public static func atomicWrite(_ path: String, value: String) -> String {
        atomicWrite(path, shellWord: shellQuote(value))
    }
}
