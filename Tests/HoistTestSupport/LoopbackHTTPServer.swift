import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests: webhook receivers, a fake Prometheus, a
/// health endpoint whose answer a test flips. Every request is recorded (method, target,
/// headers, body) in arrival order; `respond` decides each answer. One connection is
/// served at a time, on a thread of its own, each answered and closed.
///
/// `stop()` only shuts the listening socket down; the serving thread closes it on its way out.
/// Closing it in `stop()` freed its descriptor number while the thread could still be about
/// to call `accept` on it: a server started next by a concurrent test got the same number, and
/// the stopped server's thread took that server's connections and answered them itself.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        /// The path and query, as sent.
        public var target: String
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: String
    }

    public struct Response: Sendable {
        public var status: Int
        public var body: String
        public init(status: Int, body: String = "") {
            self.status = status
            self.body = body
        }
    }

    public let port: Int
    private let fd: Int32
    private let condition = NSCondition()
    private var recorded: [Request] = []
    private var stopped = false
    private let respond: @Sendable (Request, Int) -> Response

    /// `respond` gets each request and its 0-based number.
    public init(respond: @escaping @Sendable (Request, Int) -> Response = { _, _ in Response(status: 200) }) throws {
        self.respond = respond
        (fd, port) = try LoopbackSocket.listening()
        Thread.detachNewThread { [self] in serve() }
    }

    deinit { stop() }

    public struct ServerError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The requests so far.
    public var requests: [Request] {
        condition.lock()
        defer { condition.unlock() }
        return recorded
    }

    /// Waits until `count` requests have come or `seconds` pass; returns those that came.
    public func waitForRequests(_ count: Int, seconds: Double = 60) -> [Request] {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while recorded.count < count, condition.wait(until: deadline) {}
        return recorded
    }

    public func stop() {
        condition.lock()
        let wasStopped = stopped
        stopped = true
        condition.unlock()
        // Wakes the thread's `accept` (or makes its next one fail); the thread closes the socket.
        if !wasStopped { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func serve() {
        defer { close(fd) }
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                let failure = errno
                condition.lock()
                let done = stopped
                condition.unlock()
                if done || (failure != EINTR && failure != ECONNABORTED) { return }
                continue
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var timeout = timeval(tv_sec: 300, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        var expected = 0
        while true {
            if let end = headerEnd, data.count >= end + expected { break }
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            data += buffer[0..<n]
            if headerEnd == nil, let range = findHeaderEnd(data) {
                headerEnd = range
                let head = String(decoding: data[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    expected = Int(line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        guard let end = headerEnd else { return }
        let head = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let words = head.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = String(decoding: data[(end + 4)..<min(data.count, end + 4 + expected)], as: UTF8.self)
        let request = Request(method: words.first.map(String.init) ?? "", target: words.count > 1 ? String(words[1]) : "",
                              headers: headers, body: body)
        condition.lock()
        let number = recorded.count
        recorded.append(request)
        condition.unlock()
        let response = respond(request, number)
        let bytes = Array(response.body.utf8)
        let text = "HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
        let all = Array(text.utf8) + bytes
        var sent = 0
        while sent < all.count {
            let n = all[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// TCP sockets on 127.0.0.1 at ports the kernel picks.
public enum LoopbackSocket {
    /// A port where every connection is refused, held for as long as `fd` stays open: bound
    /// without SO_REUSEADDR and never listening, so no server a concurrent test starts can get it
    /// (a port picked free and closed again can be handed to the next server that binds).
    public static func refusing() throws -> (fd: Int32, port: Int) {
        try bound(reusingAddress: false) { _ in true }
    }

    /// A socket listening at a port of its own.
    public static func listening(backlog: Int32 = 64) throws -> (fd: Int32, port: Int) {
        try bound(reusingAddress: true) { listen($0, backlog) == 0 }
    }

    /// A port for a server another program binds later (HAProxy, nginx, python's
    /// http.server): free now, and below the kernel's ephemeral range (32768 and up on
    /// Linux), where a port picked by `bind(0)` and closed could meanwhile become the local
    /// port of one of the suite's many outgoing connections, and the server then fails with
    /// "Address already in use". Above the fleet's fixed ports (18xxx, 19xxx).
    public static func portForAServer() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20000..<32000)
            if let fd = try? bound(port: port, reusingAddress: true, prepared: { listen($0, 1) == 0 }).fd {
                close(fd)
                return port
            }
        }
        throw LoopbackHTTPServer.ServerError(description: "no free port on 127.0.0.1 in 20000-31999")
    }

    /// A socket bound to a free port, then `prepared` (false: closed, and an error naming errno).
    private static func bound(port: Int = 0, reusingAddress: Bool, prepared: (Int32) -> Bool) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if reusingAddress {
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound, prepared(fd) else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LoopbackHTTPServer.ServerError(description: "cannot open a port on 127.0.0.1: \(reason)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
