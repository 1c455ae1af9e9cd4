import Foundation
import HoistCore

/// Which process a pid names on this machine. A pid alone cannot prove a coordinator is still
/// running: once it is gone, its pid may be given to another process. The process's start time
/// since boot (Linux's /proc) tells the process that had the pid from any later one; the boot
/// id and the pid namespace tell whether this process sees the same processes at all.
///
/// Two machines with the same name (`localhost`, a laptop's default name, containers on one
/// host) saw each other's coordinator's pid missing and took a live deployment's lock over,
/// killing its hooks. So a pid proves nothing unless it was recorded in this boot and this pid
/// namespace; a coordinator from before a reboot is left to its lease.
public enum ProcessIdentity {
    /// `boot-id/pid-namespace/ticks` for the process `pid` now names (in this process's pid
    /// namespace), or nil when /proc cannot tell.
    public static func start(of pid: Int32) -> String? {
        guard pid > 0, let place = here,
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name, in parentheses (it may hold spaces): state is field 3,
        // starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return "\(place)/\(fields[19])"
    }

    /// `boot-id/pid-namespace` of this process.
    static var here: String? {
        guard let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
              let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid") else { return nil }
        return "\(boot.trimmingCharacters(in: .whitespacesAndNewlines))/\(namespace)"
    }

    /// Whether the process that had `pid` (and, when known, started at `start`) no longer runs:
    /// no process has the pid, or the one that has it started at another time. A `start`
    /// recorded in another boot or pid namespace (another machine of the same name, or a
    /// container) proves nothing, nor does a process this one may not see. Without a `start`
    /// (records from before Hoist kept one) the pid alone decides.
    public static func isGone(pid: Int32, start: String?) -> Bool {
        guard pid > 0 else { return false }
        if let start {
            guard let here, start.hasPrefix(here + "/") else { return false }
        }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard let start, let now = self.start(of: pid) else { return false }
        return now != start
    }
}

/// A deployment the history still calls running whose coordinator is proven gone: it ran on
/// this machine and its process no longer exists. Nobody will write its end; the group's next
/// deployment marks it Failed when it takes the lock over. Readers (`hoist logs --follow`,
/// `list`, `show`) say so instead of waiting for an end that never comes; they do not write
/// it themselves, since what its hooks left running on the hosts is known only there.
public enum AbandonedDeployment {
    /// Why nobody runs `record` any more, as a clause ("its coordinator, pid 5324 on this
    /// machine, is gone"), or nil when it has ended or nothing proves it.
    public static func reason(_ record: DeploymentRecord, thisMachine: String) -> String? {
        guard !record.status.isFinal, let coordinator = record.coordinator, coordinator.machine == thisMachine,
              ProcessIdentity.isGone(pid: coordinator.pid, start: coordinator.processStart) else { return nil }
        return GoneLockHolder.goneCoordinator(pid: coordinator.pid)
    }
}
