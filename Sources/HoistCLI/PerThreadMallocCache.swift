import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Turns off glibc's per-thread malloc cache (tcache) for the commands that open a session
/// per host. Each SSH session has its own OS thread (`SessionThread` in HoistSSH), and glibc
/// keeps up to seven freed blocks of every small size for each thread, usable by that thread
/// alone: libssh2's packets come in many sizes, so each session thread sat on about 25 KB of
/// free memory (10 MB at 400 hosts, 25 MB at 1,000; docs/performance.md). Measured, the cache
/// saved no coordinator CPU there.
///
/// glibc reads the setting only from the environment when a process starts, so Hoist sets
/// `GLIBC_TUNABLES` and executes itself once more; the second start puts the user's
/// environment back, so hooks and helpers Hoist starts see it unchanged. A user who sets
/// `glibc.malloc.tcache_count` themselves keeps their value.
enum PerThreadMallocCache {
    static let tunable = "glibc.malloc.tcache_count=0"
    /// Carries the user's `GLIBC_TUNABLES` ("-" for none) into the second start, and stops a
    /// start whose environment glibc stripped (set-user-ID) from executing itself again.
    static let saved = "HOIST_SAVED_GLIBC_TUNABLES"
    /// The subcommands that open an SSH session per host.
    static let manySessions: Set<String> = ["deploy", "rollback", "redeploy", "continue", "exec", "ping"]

    /// What a start does about the cache.
    enum Step: Equatable {
        /// Nothing: not a many-session command, or the user chose a cache size.
        case none
        /// The second start: put the user's `GLIBC_TUNABLES` back (nil: there was none).
        case restore(String?)
        /// Execute again with these `GLIBC_TUNABLES`, saving the user's as `saved`.
        case execute(tunables: String, saved: String)
    }

    static func step(arguments: [String], tunables: String?, saved: String?) -> Step {
        if let saved { return .restore(saved == "-" ? nil : saved) }
        guard let command = arguments.dropFirst().first, manySessions.contains(command) else { return .none }
        if tunables?.contains("glibc.malloc.tcache_count") == true { return .none }
        return .execute(tunables: tunables.map { "\($0):\(tunable)" } ?? tunable, saved: tunables ?? "-")
    }

    static func disable() {
        #if os(Linux)
        let tunables = getenv("GLIBC_TUNABLES").map { String(cString: $0) }
        switch step(arguments: CommandLine.arguments, tunables: tunables, saved: getenv(saved).map { String(cString: $0) }) {
        case .none:
            return
        case .restore(let previous):
            if let previous { setenv("GLIBC_TUNABLES", previous, 1) } else { unsetenv("GLIBC_TUNABLES") }
            unsetenv(saved)
        case .execute(let newTunables, let savedValue):
            setenv(saved, savedValue, 1)
            setenv("GLIBC_TUNABLES", newTunables, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Not executed (no /proc?): run on with the cache and the environment as it was.
            if let tunables { setenv("GLIBC_TUNABLES", tunables, 1) } else { unsetenv("GLIBC_TUNABLES") }
            unsetenv(saved)
        }
        #endif
    }
}
