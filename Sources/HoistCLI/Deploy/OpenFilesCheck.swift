import HoistCore
import HoistSSH

/// Refuses a deployment this process cannot hold open, before anything touches a host: its
/// group's hosts each keep an SSH connection (one more per jump host) for the whole
/// deployment, and a process over its open-file limit fails hosts at random, some after their
/// ApplicationStop. The limit was raised to the hard one at start (`OpenFileLimit.raise`).
enum OpenFilesCheck {
    /// The descriptors a deployment over `hosts` keeps open at once, at most: per host its
    /// connection, the waker of its session's waits, and a connection per jump host.
    static func needed(for hosts: [HostSpec]) -> Int {
        hosts.reduce(OpenFileLimit.reserve) { $0 + 2 + $1.jumps.count }
    }

    /// What to tell the user when `limit` is too low for `hosts`; nil when it is enough.
    static func problem(hosts: [HostSpec], limit: Int?) -> String? {
        guard let limit else { return nil }
        let needed = needed(for: hosts)
        guard needed > limit else { return nil }
        let wanted = max(4096, (needed + 1023) / 1024 * 1024)
        return "hoist: this deployment group has \(hosts.count) hosts, and a deployment keeps an SSH connection open to each "
            + "(\(needed) open files with Hoist's own), but this process may open only \(limit) files (its hard limit, `ulimit -Hn`). "
            + "Raise it, for example with `ulimit -n \(wanted)` as root or in /etc/security/limits.conf, then deploy again. "
            + "Nothing was changed on any host."
    }
}
