/// sshd runs every command through the SSH user's login shell, which first reads its startup
/// files: one that fails (`set -u` and an unset variable in ~/.bashrc, an `exit`) ends the
/// shell before Hoist's command starts, with only that file's complaint on stderr. The SSH
/// adapter then adds this line, and the engine's hint names what to fix.
public enum LoginShellFailure {
    public static let line = "hoist: the SSH user's login shell exited before it ran Hoist's command"
}
