import HoistDigest
import Foundation

/// SHA-256 of a file read in fixed blocks, so a multi-gigabyte bundle is hashed in constant memory.
enum FileDigest {
    static let blockSize = 1 << 20

    static func sha256(path: String, displayName: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw BundleError.io(path: displayName, reason: "cannot open for hashing: \(String(cString: strerror(errno)))")
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
                throw BundleError.io(path: displayName, reason: "read failed while hashing: \(String(cString: strerror(errno)))")
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer.prefix(count)))
        }
        return HexText.encode(hasher.finalize())
    }
}
