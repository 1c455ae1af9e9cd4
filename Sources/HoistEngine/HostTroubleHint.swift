import HoistCore

/// What a host's own error text says about the host rather than the deployment: a full disk
/// reads as `printf: I/O error` or `No space left on device` from whichever program hit it,
/// which names neither the disk nor what to do; sudo refusing `become`, or a login shell
/// whose startup file fails, names neither the setting nor its fix.
enum HostTroubleHint {
    static func suffix(for message: String) -> String {
        guard !hints.contains(where: { message.contains($0.hint) }) else { return "" }
        return hints.first { hint in hint.causes.contains { message.contains($0) } }?.hint ?? ""
    }

    private static let writeHint = " (the host could not write: check its free space and quota, `df -h` and `df -i` on it)"

    /// The first whose cause the text holds gives its hint.
    private static let hints: [(causes: [String], hint: String)] = [
        ([LoginShellFailure.line],
         " (a startup file of the SSH user's login shell fails or exits when it runs without a terminal: ~/.bashrc,"
         + " /etc/bash.bashrc, ~/.zshenv, ~/.config/fish/config.fish or ~/.tcshrc; `ssh USER@HOST true` fails the same way)"),
        (["Read-only file system"], " (the host's file system is read-only: check its mounts)"),
        (["No space left on device", "Disk quota exceeded", "I/O error"], writeHint),
        (["sudo: a password is required", "sudo: a terminal is required"],
         " (`become` runs `sudo -n`, which never asks for a password: give the SSH user passwordless sudo on the host,"
         + " e.g. `USER ALL=(ALL) NOPASSWD: ALL` in a file under /etc/sudoers.d)"),
        (["you must have a tty to run sudo"],
         " (the host's sudoers has `Defaults requiretty`, and Hoist runs sudo without a terminal: add"
         + " `Defaults:USER !requiretty` in a file under /etc/sudoers.d)"),
        (["is not in the sudoers file", "is not allowed to run sudo", "may not run sudo"],
         " (`become` needs the SSH user to be allowed to run any command as root with sudo on the host)"),
    ]
}
