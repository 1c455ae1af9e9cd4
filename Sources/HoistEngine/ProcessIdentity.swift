import Foundation
import HoistCore

/// Which process a pid names on this machine. A pid alone cannot prove a coordinator is still
/// running: once it is gone, its pid may be given to another process (soon after a reboot,
/// almost surely). The boot id and the process's start time since boot (Linux's /proc) tell
/// the process that had the pid from any later one.
public enum ProcessIdentity {
    /// `boot-id/ticks` for the process `pid` now names, or nil when /proc cannot tell.
    public static func start(of pid: Int32) -> String? {
        guard pid > 0,
              let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name, in parentheses (it may hold spaces): state is field 3,
        // starttime field 22.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return "\(boot.trimmingCharacters(in: .whitespacesAndNewlines))/\(fields[19])"
    }

    /// Whether the process that had `pid` (and, when known, started at `start`) no longer runs
    /// on this machine: no process has the pid, or the one that has it started at another time
    /// or in another boot. A process this one may not see counts as running.
    public static func isGone(pid: Int32, start: String?) -> Bool {
        guard pid > 0 else { return false }
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
