import CLibSSH2

/// Gives the kernel back the whole pages of a buffer that hold only zero bytes; the buffer
/// reads the same afterwards. Swift's door to `hoist_release_zero_pages`, which
/// `hoist_libssh2_session_init` uses on every libssh2 session struct.
enum ZeroPages {
    static func giveBack(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let start = buffer.baseAddress else { return }
        hoist_release_zero_pages(start, buffer.count)
    }
}
