import Foundation
import HoistCore

#if canImport(Glibc)
import Glibc
#endif

/// The coordinator's cache of the canonical bundles it built (docs/bundles.md): where they
/// live, how one is taken in and found again, and how the cache is kept bounded. Without a
/// bound it grew by every revision ever deployed from the machine (a CI box: gigabytes).
///
/// Several coordinators may share the cache (two deployments from one CI box), so:
/// - a bundle is written under a temporary name and linked in under its digest, never over
///   an existing one (same digest, same bytes): the file a running deployment uploads from
///   is never replaced;
/// - a deployment holds each bundle it uses (a shared `flock` for as long as the process
///   runs), and pruning removes a bundle only under an exclusive one it got without
///   waiting: never a bundle in use, whichever coordinator uses it;
/// - pruning takes a file that vanished meanwhile as removed, and a bundle taken in while
///   it pruned is seen by the next prune.
/// Bundles are used least recently first: each use sets the file's modification time.
public struct BundleCache: Sendable {
    /// The folder holding `<sha256>.tar` files.
    public var folder: String
    public var limits: Limits

    public init(folder: String, limits: Limits = .default) {
        self.folder = folder
        self.limits = limits
    }

    /// `$XDG_CACHE_HOME/hoist/bundles` (when absolute, as the XDG spec says), else
    /// `$HOME/.cache/hoist/bundles`, else the account's home folder's.
    public static func folder(environment: [String: String]) -> String {
        XDGDirectory.cache.path("hoist/bundles", environment)
    }

    /// A name for a bundle being built, in the cache folder (so it can be linked in).
    public func temporaryPath() -> String {
        folder + "/" + Self.buildingPrefix + UUID().uuidString + ".tar"
    }

    static let buildingPrefix = "building-"
    /// A bundle being built whose file has not changed for this long was left by a coordinator
    /// that is gone (a build writes its file as it goes).
    static let abandonedAfter: TimeInterval = 24 * 3600

    /// Takes in the finished bundle at `built` (from `temporaryPath()`) under its digest and
    /// holds it; returns its path. Where the cache has it already, that copy is kept.
    public func admit(_ built: String, sha256: String) throws -> String {
        let final = folder + "/" + sha256 + ".tar"
        defer { unlink(built) }
        for _ in 0..<5 {
            if link(built, final) != 0 {
                let failure = errno
                if failure != EEXIST {
                    // A file system without hard links: renamed, as before.
                    guard rename(built, final) == 0 else {
                        throw BundleError.io(path: final, reason: "cannot move the bundle into the cache: \(String(cString: strerror(failure)))")
                    }
                } else if Self.size(built) != Self.size(final) {
                    // The copy there is not this bundle (damaged from outside): replaced.
                    _ = rename(built, final)
                }
            }
            // Pruned by another coordinator between the link and the hold: linked again.
            if Self.hold(final) {
                Self.markUsed(final)
                return final
            }
        }
        throw BundleError.io(path: final, reason: "the bundle kept vanishing from the cache as it was taken in")
    }

    /// The cached bundle with this digest, held, or nil.
    public func find(sha256: String) -> String? {
        for name in ["\(sha256).tar", "\(sha256).tar.gz", "\(sha256).bundle"] {
            let path = folder + "/" + name
            if Self.hold(path) {
                Self.markUsed(path)
                return path
            }
        }
        return nil
    }

    /// What a prune did.
    public struct Pruned: Sendable, Equatable {
        /// The bundles removed (file names), least recently used first.
        public var removed: [String] = []
        /// What the cache holds after it (bundles only).
        public var bundles = 0
        public var bytes: Int64 = 0
    }

    /// Removes bundles, least recently used first, until the cache is within its limits,
    /// skipping those in use (they still count); and files of builds left by a coordinator
    /// that is gone.
    @discardableResult
    public func prune(now: Date = Date()) -> Pruned {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return Pruned() }
        var bundles: [(name: String, size: Int64, used: Int)] = []
        for name in names {
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if name.hasPrefix(Self.buildingPrefix) {
                if Double(info.st_mtim.tv_sec) < now.timeIntervalSince1970 - Self.abandonedAfter { unlink(path) }
                continue
            }
            guard Self.isBundleName(name) else { continue }
            bundles.append((name, Int64(info.st_size), info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec))
        }
        var result = Pruned(bundles: bundles.count, bytes: bundles.reduce(0) { $0 + $1.size })
        for bundle in bundles.sorted(by: { ($0.used, $0.name) < ($1.used, $1.name) }) {
            if result.bundles <= limits.maxBundles && result.bytes <= limits.maxBytes { break }
            switch Self.remove(folder + "/" + bundle.name) {
            case .removed:
                result.removed.append(bundle.name)
                fallthrough
            case .gone:
                result.bundles -= 1
                result.bytes -= bundle.size
            case .kept:
                continue
            }
        }
        return result
    }

    /// `<64 hex digits>.tar` (and the names earlier versions kept).
    static func isBundleName(_ name: String) -> Bool {
        guard let dot = name.firstIndex(of: "."), name.distance(from: name.startIndex, to: dot) == 64 else { return false }
        guard ["tar", "tar.gz", "bundle"].contains(name[name.index(after: dot)...]) else { return false }
        return name[..<dot].utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    // MARK: - Holding

    /// The bundles this process holds: a descriptor each, with its shared lock, until exit.
    private static let held = Locked<[String: Int32]>([:])

    /// Holds the bundle at `path`: a shared lock on the file that is there now. False when
    /// there is none (or it was pruned as the lock was taken).
    static func hold(_ path: String) -> Bool {
        for _ in 0..<3 {
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { return false }
            // Waits only while a prune that took its exclusive lock first removes the file.
            while flock(fd, LOCK_SH) != 0 {
                guard errno == EINTR else { close(fd); return false }
            }
            var mine = stat(), there = stat()
            guard fstat(fd, &mine) == 0, lstat(path, &there) == 0 else { close(fd); return false }
            guard mine.st_ino == there.st_ino && mine.st_dev == there.st_dev else {
                close(fd)
                continue
            }
            let previous = held.withLock { held in
                defer { held[path] = fd }
                return held[path]
            }
            if let previous { close(previous) }
            return true
        }
        return false
    }

    enum Removal { case removed, gone, kept }

    /// Lets go of every bundle this process holds, for a prune once its deployment is over:
    /// while it ran, the bundle it deployed counted as in use and stayed whatever the limits.
    public static func releaseHolds() {
        let descriptors = held.withLock { held in
            defer { held = [:] }
            return Array(held.values)
        }
        for fd in descriptors { close(fd) }
    }

    /// Removes a bundle nobody holds: under an exclusive lock taken without waiting, and only
    /// while the name still names the file locked.
    static func remove(_ path: String) -> Removal {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return errno == ENOENT ? .gone : .kept }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return .kept }
        var mine = stat(), there = stat()
        guard fstat(fd, &mine) == 0 else { return .kept }
        guard lstat(path, &there) == 0 else { return .gone }
        guard mine.st_ino == there.st_ino && mine.st_dev == there.st_dev else { return .kept }
        return unlink(path) == 0 || errno == ENOENT ? .removed : .kept
    }

    static func markUsed(_ path: String) {
        utimensat(AT_FDCWD, path, nil, 0)
    }

    static func size(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : -1
    }
}
