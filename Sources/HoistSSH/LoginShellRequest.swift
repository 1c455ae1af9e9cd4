/// What goes in an exec request. sshd runs it with the user's login shell (`$SHELL -c
/// REQUEST`), and that shell is not always a POSIX one: fish reads `\\` and `\'` inside single
/// quotes as escapes, csh and tcsh refuse a newline inside quotes and expand `!`, and neither
/// parses `$(…)`, `2>/dev/null` or `x=$y` as sh does. Hoist's commands are sh, so the request
/// hands each one to `sh`, in words every one of those shells reads alike: single-quoted text
/// holding none of the characters any of them treats specially there. `sh` itself turns the
/// rest back into the command (`printf %b` of octal escapes), so a command keeps its meaning
/// whatever the login shell, and stays readable in `ps` but for its quotes and `$`.
///
/// The command also starts with umask 022, as the CodeDeploy agent's service does: a umask
/// the user's startup files set (027 or 077 on hardened hosts) would otherwise decide the
/// modes of the folders the install creates.
///
/// A command of plain words only (letters, digits, `-`, `_`, `.`, `/`, spaces) means the same
/// to every one of those shells, and goes to the login shell as it is, after the umask: the
/// resident shell's request (`exec bash --noprofile --norc -s`) is one, and the `sh` and the
/// `printf` fork it no longer needs are a program and a process on every session's host.
enum LoginShellRequest {
    static func request(_ command: String) -> String {
        if !command.isEmpty, command.utf8.allSatisfy(isPlainWord) { return "umask 022; " + command }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(command.utf8.count + 64)
        for byte in command.utf8 {
            if passesAsIs(byte) {
                encoded.append(byte)
            } else {
                encoded.append(contentsOf: Array("\\0".utf8))
                for shift in [6, 3, 0] { encoded.append(UInt8(ascii: "0") + (byte >> UInt8(shift)) & 7) }
            }
        }
        return "exec sh -c 'umask 022; eval \"$(printf %b \"" + String(decoding: encoded, as: UTF8.self) + "\")\"'"
    }

    /// Read alike, outside quotes, by sh, bash, zsh, fish, csh and tcsh (not `=`: zsh expands
    /// `=name` at a word's start to a path).
    private static func isPlainWord(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: " "): true
        default: false
        }
    }

    /// Literal inside single quotes in sh, bash, zsh, fish, csh and tcsh, and inside sh's
    /// double quotes and `printf %b`'s argument.
    private static func passesAsIs(_ byte: UInt8) -> Bool {
        guard byte >= 0x20, byte < 0x7f else { return false }
        return !"'\\!\"$`".utf8.contains(byte)
    }
}
