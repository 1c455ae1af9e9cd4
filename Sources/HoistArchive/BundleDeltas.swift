import Foundation
import HoistCore
import HoistDigest
#if canImport(Glibc)
import Glibc
#endif

/// The deltas of one deployment's bundle (`BundleDelta`) from the bundles hosts hold: each
/// computed once, on a thread of its own (it reads both bundles), however many hosts hold that
/// base. The base comes from the coordinator's cache, or, when the cache does not hold it, is
/// read back from the first host that asks (`HeldBundleSource`) and kept only when its SHA-256
/// is the digest the host's records name. A bundle read back is a delta's base for this
/// deployment and nothing else: it never enters the cache, whose bundles are ones this
/// coordinator wrote from revisions it checked. Deltas and bases live in files unlinked as
/// soon as they are made, read through `/proc/self/fd`, so nothing is left behind whatever
/// happens to the process.
public final class BundleDeltas: Sendable {
    let cache: BundleCache
    let target: String
    let targetSHA256: String
    private let made = Locked<[String: Task<BundleDelta?, Never>]>([:])
    private let files = Locked<[Int32]>([])

    /// Bundles larger than this are not delta-encoded: the lookup table would cost the
    /// coordinator about 50 MB of memory per GiB.
    public static let largestBundle = 512 << 20
    /// A delta is sent only when it is at most this share of the whole bundle.
    public static let worthIt = 0.75

    public init(cache: BundleCache, target: String, targetSHA256: String) {
        self.cache = cache
        self.target = target
        self.targetSHA256 = targetSHA256
    }

    deinit {
        for fd in files.current { Glibc.close(fd) }
    }

    /// The delta from the bundle with digest `base`, or nil: neither the cache nor `source`
    /// gives that bundle, either bundle is too large, or the delta would not save enough. The
    /// first asker's `source` is the one used; later askers wait for its answer.
    public func delta(from base: String, readingFrom source: HeldBundleSource? = nil) async -> BundleDelta? {
        let task = made.withLock { made in
            if let task = made[base] { return task }
            let task = Task<BundleDelta?, Never> { await self.make(from: base, source: source) }
            made[base] = task
            return task
        }
        return await task.value
    }

    func make(from base: String, source: HeldBundleSource?) async -> BundleDelta? {
        guard base != targetSHA256, base.count == 64, base.allSatisfy(\.isHexDigit) else { return nil }
        if let cached = cache.find(sha256: base), cached.hasSuffix(".tar") {
            return await Self.offThePool { self.encode(basePath: cached, base: base) }
        }
        guard let source, let held = UnlinkedFile(in: cache.folder) else { return nil }
        defer { Glibc.close(held.fd) }
        do {
            try await source.read(held.path, Int64(Self.largestBundle))
        } catch {
            return nil
        }
        return await Self.offThePool {
            guard (try? FileSHA256.hex(path: held.path)) == base else { return nil }
            return self.encode(basePath: held.path, base: base).map { delta in
                var delta = delta
                delta.baseReadFrom = source.host
                return delta
            }
        }
    }

    /// Runs blocking work (reading and hashing bundles) on a thread of its own.
    static func offThePool(_ work: @escaping @Sendable () -> BundleDelta?) async -> BundleDelta? {
        await withCheckedContinuation { done in
            Thread { done.resume(returning: work()) }.start()
        }
    }

    func encode(basePath: String, base: String) -> BundleDelta? {
        guard let old = BundleFileInput(basePath), let new = BundleFileInput(target) else { return nil }
        defer { old.close(); new.close() }
        guard old.count <= Self.largestBundle, new.count <= Self.largestBundle,
              let out = UnlinkedFile(in: cache.folder) else { return nil }
        do {
            let size = try BundleDeltaEncoder.encode(base: old, target: new) { chunk in
                if let reason = writeAll(out.fd, chunk) { throw BundleError.io(path: "a delta in \(self.cache.folder)", reason: reason) }
            }
            guard Double(size) <= Double(new.count) * Self.worthIt else {
                Glibc.close(out.fd)
                return nil
            }
            files.withLock { $0.append(out.fd) }
            return BundleDelta(path: out.path, size: size, baseSHA256: base)
        } catch {
            Glibc.close(out.fd)
            return nil
        }
    }
}

/// A file in `folder` removed from it at once: open until its descriptor is closed, reachable
/// meanwhile by path through `/proc/self/fd`.
struct UnlinkedFile {
    let fd: Int32
    var path: String { "/proc/self/fd/\(fd)" }

    init?(in folder: String) {
        var template = Array((folder + "/delta-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return nil }
        unlink(template)
        self.fd = fd
    }
}

/// A bundle file read with `pread`, for `BundleDeltaEncoder`.
struct BundleFileInput: BundleDeltaEncoder.Input {
    let fd: Int32
    let count: Int

    init?(_ path: String) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else { Glibc.close(fd); return nil }
        count = Int(info.st_size)
    }

    func read(at offset: Int, into: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = pread(fd, into.baseAddress, into.count, off_t(offset))
            if n >= 0 { return n }
            guard errno == EINTR else { throw BundleError.io(path: "a bundle", reason: String(cString: strerror(errno))) }
        }
    }

    func close() { Glibc.close(fd) }
}
