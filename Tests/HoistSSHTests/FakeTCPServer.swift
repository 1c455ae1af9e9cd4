import Foundation
import HoistCore

/// A TCP listener on 127.0.0.1 that is not sshd: it either never says anything, or closes
/// every connection at once (what sshd does to handshakes beyond MaxStartups). Counts the
/// connections it accepted.
final class FakeTCPServer: @unchecked Sendable {
    enum Behaviour { case silent, closeImmediately }
    let port: Int
    private let listener: Int32
    private let accepted = Locked(0)
    private var held: [Int32] = []

    var acceptedCount: Int { accepted.withLock { $0 } }

    init(_ behaviour: Behaviour) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            // The listener is closed here, never in `stop()`: its number must not be freed
            // (and handed to another test's socket) while this loop may still accept on it.
            defer { close(listener) }
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                accepted.withLock { $0 += 1 }
                if behaviour == .closeImmediately { close(client) } else { held.append(client) }
            }
        }
        thread.start()
    }

    /// Wakes the accepting thread, which closes the listener.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}
