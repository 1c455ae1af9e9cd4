import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of a PostgreSQL server that, once armed, lets the next
/// `COMMIT` through to the server and then cuts the client off before the answer comes back:
/// the lost acknowledgement a store must not answer by writing the transaction twice. Each
/// connection is pumped by two threads of its own. Unarmed it only passes bytes on, so with
/// `goDown()` it is an outage in front of any TCP service (an sshd, too), and with `freeze()`
/// a server suspended with its connections up.
public final class CommitCuttingProxy: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let targetPort: Int
    private let lock = NSLock()
    private var armed = false
    private var cutCount = 0
    private var down = false
    private var frozen = false
    private var clients: [Int32] = []

    public init(targetPort: Int) throws {
        self.targetPort = targetPort
        (listener, port) = try LoopbackSocket.listening()
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The next COMMIT a client sends is the one cut.
    public func armCutAfterCommit() { lock.withLock { armed = true } }

    /// The server out of reach from now on: every connection is cut and new ones are closed
    /// at once (an outage that does not end).
    public func goDown() {
        let open = lock.withLock { down = true; defer { clients = [] }; return clients }
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Every connection stops passing bytes on but stays open, as with a server whose process
    /// is suspended (SIGSTOP): what the client sends is still acknowledged, and nothing comes
    /// back. The proxy goes on reading and drops what it reads, so the client never sees a
    /// full window: a suspended sshd's socket buffer has room for what a paced upload sends
    /// (the kernel's TCP user timeout would otherwise end the connection itself).
    public func freeze() { lock.withLock { frozen = true } }

    /// How many connections were cut after their COMMIT.
    public var cuts: Int { lock.withLock { cutCount } }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let refused = lock.withLock { if !down { clients.append(client) }; return down }
            guard !refused, let server = connectToTarget() else {
                close(client)
                continue
            }
            let link = Link()
            Thread.detachNewThread { [self] in pump(from: client, to: server, link: link, watchForCommit: true) }
            Thread.detachNewThread { [self] in pump(from: server, to: client, link: link, watchForCommit: false) }
        }
    }

    private func connectToTarget() -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(targetPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if connected { return fd }
        close(fd)
        return nil
    }

    /// One client's connection: once it is cut, nothing more from the server reaches the
    /// client.
    private final class Link: @unchecked Sendable {
        private let lock = NSLock()
        private var isCut = false
        var cut: Bool {
            get { lock.withLock { isCut } }
            set { lock.withLock { isCut = newValue } }
        }
    }

    /// Copies bytes until either side goes. Client to server, an armed proxy marks the link
    /// cut before it forwards a chunk with `COMMIT` (so the server's answer, however fast,
    /// is never passed on: on a busy machine it could overtake the cut), then cuts the client
    /// off; the server side stays open until the server's answer arrives and is dropped, so
    /// the server still runs the COMMIT.
    private func pump(from source: Int32, to destination: Int32, link: Link, watchForCommit: Bool) {
        let commit = Array("COMMIT\0".utf8)
        var buffer = [UInt8](repeating: 0, count: 65536)
        var cut = false
        // The end of the previous chunk: a COMMIT split across two reads (a busy machine
        // delivers the client's bytes in pieces) is still seen.
        var carried: [UInt8] = []
        defer {
            // After a cut the server's side is left to the other pump, which closes it when
            // the server's answer cannot be delivered.
            if !cut { shutdown(destination, Int32(SHUT_RDWR)) }
            shutdown(source, Int32(SHUT_RDWR))
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            if lock.withLock({ frozen }) { continue }
            let chunk = Array(buffer[0..<count])
            if !watchForCommit && link.cut { return }
            let seen = carried + chunk
            carried = Array(seen.suffix(commit.count - 1))
            if watchForCommit, contains(seen, commit), lock.withLock({ defer { armed = false }; return armed }) {
                link.cut = true
                cut = true
                _ = sendAll(chunk, to: destination)
                lock.withLock { cutCount += 1 }
                return
            }
            guard sendAll(chunk, to: destination) else { return }
        }
    }

    private func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<(start + needle.count)].elementsEqual(needle) }
    }
}
