import Foundation
import HoistCore

/// How `SSHConnector` connects: deadlines, keepalives, how many handshakes run at once and
/// how often a dropped handshake is retried.
public struct SSHConnectorOptions: Sendable {
    /// Deadline for TCP connect + SSH handshake + authentication, per hop.
    public var connectTimeoutSeconds: Double = 20
    /// SSH keepalive interval (libssh2_keepalive_config): a keepalive goes once the host has
    /// sent nothing this long, while idle and during any wait on it; 0 turns keepalives off
    /// (and with them the judging of a host that stops answering, `PeerWatch`).
    public var keepaliveSeconds: Int = 10
    /// How long a host may stay silent (sent data unacknowledged, TCP keepalive probes or an
    /// SSH keepalive unanswered) before its connection is declared dead and the host
    /// unreachable: a blackholed host, or one whose sshd is suspended with its connection up,
    /// fails about this long after its first unanswered keepalive, not after the kernel's ~15
    /// minutes or each command's own deadline. 0 leaves the system's TCP defaults and never
    /// judges an SSH keepalive.
    public var deadPeerSeconds: Int = 25
    /// How many connections may be in connect+handshake+auth at once; sshd's MaxStartups
    /// (10:30:100 by default) drops bursts beyond that; each fleet host has its own sshd, so
    /// the cap matters most for many hosts behind one bastion (the playbook can lower it).
    public var maxConcurrentHandshakes: Int = 64
    /// How many uploads may stream at once, across all hosts. Each holds a read buffer
    /// (`Uploader.chunkSize`), so this bounds the coordinator's memory on a thousand hosts;
    /// two cores are busy long before 64 streams are.
    public var maxConcurrentUploads: Int = 64
    /// How long a running command's wait on a quiet host may sleep when nothing is due (no
    /// output, keepalive, deadline or kill): a command queued beside it and a cancel wake it
    /// (`PollWaker`), so this only bounds a wake that never came.
    public var quietWaitSeconds: Double = 30
    /// Attempts for a handshake that fails with a reset or a missing banner.
    public var handshakeAttempts: Int = 4
    /// Run commands in one resident shell per session (`ResidentShell`): a command then costs
    /// one round trip instead of three, and the host forks no sshd session for it. Hosts that
    /// cannot run it (no bash) fall back to exec channels by themselves.
    public var residentShell: Bool = true
    /// Used when a host has no known_hosts file of its own.
    public var defaultKnownHostsFile: String = NSString(string: "~/.ssh/known_hosts").expandingTildeInPath
    /// Try the keys in ssh-agent ($SSH_AUTH_SOCK) first.
    public var useAgent: Bool = true
    /// Ask for an identity file's passphrase on the terminal when stdin is one and
    /// HOIST_SSH_PASSPHRASE does not unlock it.
    public var askPassphraseOnTerminal: Bool = true
    /// Where SSH_AUTH_SOCK, HOIST_SSH_PASSPHRASE and password variables are read from.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Receives loud warnings (host key checking off, newly recorded host keys). Library code
    /// does not print; the caller decides where these go. They are also on
    /// `SSHHostSession.warnings`.
    public var onWarning: (@Sendable (_ host: String, _ message: String) -> Void)?

    public init() {}
}
