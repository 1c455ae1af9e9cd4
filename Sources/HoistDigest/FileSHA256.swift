#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 of a file, read in fixed blocks so a multi-gigabyte bundle is hashed in constant
/// memory. The one way Hoist hashes a file: bundles once on the coordinator, and the tools
/// and tests that upload a file and must say what its digest is.
public enum FileSHA256 {
    /// Why a file could not be hashed: the system's words (`No such file or directory`).
    public struct ReadError: Error, Sendable {
        public var reason: String
    }

    static let blockSize = 1 << 20

    /// The lower-case hex digest of the file at `path`.
    public static func hex(path: String) throws(ReadError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ReadError(reason: "cannot open for hashing: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, blockSize)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(reason: "read failed while hashing: \(String(cString: strerror(errno)))")
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer.prefix(count)))
        }
        return HexText.encode(hasher.finalize())
    }
}
