import CLibSSH2
import HoistCore

/// A failed libssh2 call as a `TransportError` a person can act on. libssh2's socket errors
/// say `transport read (libssh2 error -43)`; what they mean is that the connection to the host
/// went away (it rebooted, the network dropped, sshd was killed), so that is what Hoist says,
/// with what it was doing, as a refused connection says "is sshd running?". libssh2's own
/// words and code stay at the end, for whoever has to dig further.
enum SessionFailure {
    /// libssh2's codes for the socket under a session failing: receiving, sending, or the
    /// peer closing it.
    static let connectionLostCodes: Set<Int32> = [
        LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_DISCONNECT,
    ]

    /// `doing` says what was under way, as an activity ("reading command output"); `code` is
    /// what the failing call returned, nil when it returned nothing but a null pointer;
    /// `lastCode` and `text` are the session's last error.
    static func error(host: String, kind: TransportError.Kind, doing: String, code: Int32?, lastCode: Int32, text: String) -> TransportError {
        let shown = code ?? lastCode
        // A socket error the failing call returned itself means the connection is gone (the
        // host became unreachable, even mid-command); one only read back from the session may
        // be stale, so channel and upload failures keep their kind and words then.
        let lost = connectionLostCodes.contains(shown) && (code != nil || (kind != .channel && kind != .upload))
        guard lost else {
            return TransportError(host: host, kind: kind, message: "\(doing): \(text) (libssh2 error \(shown))")
        }
        return TransportError(host: host, kind: .closed,
                              message: "the connection to \(host) was lost while \(doing) (\(text), libssh2 error \(shown))")
    }
}
