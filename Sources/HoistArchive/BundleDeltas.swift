import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// The deltas of one deployment's bundle (`BundleDelta`) from the bundles the coordinator's
/// cache holds: each computed once, on a thread of its own (it reads both bundles), however
/// many hosts hold that base. A delta lives in a file unlinked as soon as it is made, read
/// through `/proc/self/fd`, so nothing is left behind whatever happens to the process.
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

    /// The delta from the cached bundle with digest `base`, or nil: the cache does not hold
    /// it, either bundle is too large, or the delta would not save enough.
    public func delta(from base: String) async -> BundleDelta? {
        let task = made.withLock { made in
            if let task = made[base] { return task }
            let task = Task<BundleDelta?, Never> {
                await withCheckedContinuation { done in
                    Thread { done.resume(returning: self.make(from: base)) }.start()
                }
            }
            made[base] = task
            return task
        }
        return await task.value
    }

    func make(from base: String) -> BundleDelta? {
        guard base != targetSHA256, base.count == 64, base.allSatisfy(\.isHexDigit),
              let basePath = cache.find(sha256: base), basePath.hasSuffix(".tar"),
              let old = BundleFileInput(basePath), let new = BundleFileInput(target) else { return nil }
        defer { old.close(); new.close() }
        guard old.count <= Self.largestBundle, new.count <= Self.largestBundle else { return nil }
        var template = Array((cache.folder + "/delta-XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { return nil }
        unlink(template)
        do {
            let size = try BundleDeltaEncoder.encode(base: old, target: new) { chunk in
                var done = 0
                while done < chunk.count {
                    let n = Glibc.write(fd, chunk.baseAddress! + done, chunk.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw BundleError.io(path: "a delta in \(self.cache.folder)", reason: String(cString: strerror(errno))) }
                    done += n
                }
            }
            guard Double(size) <= Double(new.count) * Self.worthIt else {
                Glibc.close(fd)
                return nil
            }
            files.withLock { $0.append(fd) }
            return BundleDelta(path: "/proc/self/fd/\(fd)", size: size, baseSHA256: base)
        } catch {
            Glibc.close(fd)
            return nil
        }
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
