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
enum LoginShellRequest {
    static func request(_ command: String) -> String {
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

    /// Literal inside single quotes in sh, bash, zsh, fish, csh and tcsh, and inside sh's
    /// double quotes and `printf %b`'s argument.
    private static func passesAsIs(_ byte: UInt8) -> Bool {
        guard byte >= 0x20, byte < 0x7f else { return false }
        return !"'\\!\"$`".utf8.contains(byte)
    }
}
