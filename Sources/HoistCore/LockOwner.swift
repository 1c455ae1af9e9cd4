/// Who holds a deployment group's lock. It is written to `<lockDir>/owner.json` on every host
/// of the group, so whoever finds the group locked (a laptop, CI, cron) can say who holds it,
/// since when, and whether its coordinator is still alive.
public struct LockOwner: Sendable, Hashable, Codable {
    public var user: String
    public var machine: String
    public var deploymentID: String
    public var pid: Int32
    /// When the deployment took the lock, in seconds since 1970 on the coordinator's clock.
    public var startTime: Int
    /// The last heartbeat, in seconds since 1970 on the HOST's clock (the host writes it), so
    /// staleness never depends on two coordinators' clocks agreeing.
    public var heartbeatTime: Int
    /// A heartbeat older than this makes the lock stale: its coordinator is taken to be gone.
    public var leaseSeconds: Int
    /// The command line that started the deployment.
    public var command: String
    /// `running` while the deployment runs; a stale lock still saying `running` is a
    /// deployment that did not finish.
    public var status: String
    /// Which process the coordinator is (`ProcessIdentity.start`: its kernel's boot, its pid
    /// namespace and its start), so that another coordinator can tell it gone only where it
    /// sees the same processes. Nil in locks written before Hoist recorded it.
    public var processStart: String?

    public static let defaultLeaseSeconds = 120

    public init(
        user: String, machine: String, deploymentID: String, pid: Int32, startTime: Int,
        heartbeatTime: Int = 0, leaseSeconds: Int = LockOwner.defaultLeaseSeconds, command: String,
        status: String = "running", processStart: String? = nil
    ) {
        self.user = user
        self.machine = machine
        self.deploymentID = deploymentID
        self.pid = pid
        self.startTime = startTime
        self.heartbeatTime = heartbeatTime
        self.leaseSeconds = leaseSeconds
        self.command = command
        self.status = status
        self.processStart = processStart
    }

    /// `alice@laptop`: how messages name the holder.
    public var holder: String { "\(user)@\(machine)" }

    /// Stands in for a holder whose owner.json could not be read (written by something else,
    /// or damaged by hand).
    public static let unknown = LockOwner(
        user: "unknown", machine: "unknown", deploymentID: "unknown", pid: 0, startTime: 0, command: "", status: "unknown")
}
