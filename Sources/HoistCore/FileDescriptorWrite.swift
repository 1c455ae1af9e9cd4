#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `bytes` to `fd`, through short writes and EINTR: the one loop for it, so no
/// caller stops at a partial write. Returns the system's words when it fails, nil when done.
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return n < 0 ? String(cString: strerror(errno)) : "nothing was written" }
        done += n
    }
    return nil
}
