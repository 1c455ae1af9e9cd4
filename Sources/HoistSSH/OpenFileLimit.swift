import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How many files this process may have open. A deployment keeps one SSH connection per host
/// open for its whole length (and one per jump host on the way), so a thousand hosts need more
/// than the 1,024 a login session allows by default. Without room, hosts fail with whichever
/// `open` or `socket` happened to fail, under misleading words ("the file cannot be read").
/// The soft limit is raised to the hard one at start, as the system allows any process to.
public enum OpenFileLimit {
    /// Descriptors a command needs besides its connections: the standard streams, the history
    /// file and its journal, bundles being read for upload, key and known_hosts files.
    public static let reserve = 64

    /// The limit in force now (the soft one); nil when it cannot be read.
    public static var current: Int? {
        var limit = rlimit()
        guard getrlimit(openFiles, &limit) == 0 else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one (an unlimited hard limit counts as the kernel's
    /// `nr_open`); returns the limit now in force.
    @discardableResult
    public static func raise() -> Int? {
        var limit = rlimit()
        guard getrlimit(openFiles, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var wanted = limit
            wanted.rlim_cur = limit.rlim_max == rlim_t.max ? kernelCeiling(limit.rlim_cur) : limit.rlim_max
            if setrlimit(openFiles, &wanted) == 0 { return Int(clamping: wanted.rlim_cur) }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The most descriptors a process may have (`/proc/sys/fs/nr_open`), or `fallback`.
    private static func kernelCeiling(_ fallback: rlim_t) -> rlim_t {
        guard let text = try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8),
              let value = rlim_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return fallback }
        return value
    }

    private static var openFiles: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
}
