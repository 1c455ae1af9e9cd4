import CLibSSH2
import Foundation
import HoistCore

/// libssh2 must be initialised once, before any thread uses it; `SSHConnector.init` touches
/// this token so that the first connector made (normally on the main thread) does it.
enum LibSSH2Runtime {
    static let initialised: Bool = {
        libssh2_init(0) == 0
    }()

    /// The session's last error as text, for messages.
    static func lastError(_ session: OpaquePointer?) -> (code: Int32, text: String) {
        guard let session else { return (0, "no session") }
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let code = libssh2_session_last_error(session, &message, &length, 0)
        let text = message.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(length)), as: UTF8.self) } ?? ""
        return (code, text.isEmpty ? "libssh2 error \(code)" : text)
    }
}

/// A point in time on the monotonic clock, used for every deadline in the adapter.
struct Deadline: Sendable {
    let uptime: Double

    static func now() -> Double { ProcessInfo.processInfo.systemUptime }
    static func after(_ seconds: Double) -> Deadline { Deadline(uptime: now() + seconds) }
    static let never = Deadline(uptime: .infinity)

    var remaining: Double { uptime - Deadline.now() }
    var hasPassed: Bool { remaining <= 0 }

    /// Milliseconds for poll(): capped so callers wake regularly to send keepalives.
    func pollMilliseconds(cap: Double) -> Int32 {
        let seconds = min(max(remaining, 0), cap)
        return Int32((seconds * 1000).rounded(.up))
    }
}
