/// The process that runs a deployment, as its record keeps it, so a reader of the history
/// (`hoist logs --follow`, `list`, `show`) can tell a coordinator that was killed mid-
/// deployment from one still running, without asking the hosts: on the machine it ran on,
/// a process that no longer exists (or whose pid now belongs to another process) is gone.
public struct DeploymentCoordinator: Sendable, Hashable, Codable {
    /// The machine's host name, as the group's lock names it.
    public var machine: String
    public var pid: Int32
    /// Which process had `pid`: the machine's boot id and the process's start time since
    /// boot (`boot-id/ticks`, Linux's /proc), so a pid reused after the coordinator died, or
    /// after a reboot, is not taken for it. Nil where it could not be read.
    public var processStart: String?

    public init(machine: String, pid: Int32, processStart: String? = nil) {
        self.machine = machine
        self.pid = pid
        self.processStart = processStart
    }

    /// From a store's columns: all of them or none (records older than the field).
    public init?(stored machine: String?, pid: Int64?, processStart: String?) {
        guard let machine, let pid, let pid = Int32(exactly: pid) else { return nil }
        self.init(machine: machine, pid: pid, processStart: processStart)
    }
}
