import Foundation
import HoistCore

#if canImport(Glibc)
import Glibc
#endif

/// Where a stream socket connects: a unix socket path on this machine or a TCP host and port.
public enum SocketEndpoint: Sendable, Hashable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// Parses `host:port` or `[v6]:port`; nil when it is not one.
    public static func tcp(_ address: String) -> SocketEndpoint? {
        guard let colon = address.lastIndex(of: ":"),
              let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port)
        else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : .tcp(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .unix(let path): return path
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}

/// The socket could not be opened, written or read; `message` says which and why.
public struct SocketExchangeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One request, one response: connect, send everything, read until the peer closes. HAProxy's
/// runtime API in non-interactive mode and an HTTP/1.0 GET both work this way. Blocking calls
/// run on their own thread, bounded by `timeoutSeconds` for connect and each read.
enum SocketExchange {
    static func exchange(
        _ endpoint: SocketEndpoint, send payload: [UInt8], timeoutSeconds: Double, maxBytes: Int = 4 << 20
    ) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    try blockingExchange(endpoint, payload: payload, timeoutSeconds: timeoutSeconds, maxBytes: maxBytes)
                })
            }.start()
        }
    }

    private static func blockingExchange(
        _ endpoint: SocketEndpoint, payload: [UInt8], timeoutSeconds: Double, maxBytes: Int
    ) throws -> [UInt8] {
        let fd = try connect(endpoint, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        var sent = 0
        while sent < payload.count {
            let count = payload[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { throw failure("write to \(endpoint) failed") }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while response.count < maxBytes {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(errno == EAGAIN || errno == EWOULDBLOCK
                    ? "no answer from \(endpoint) within \(formatSeconds(timeoutSeconds))"
                    : "read from \(endpoint) failed")
            }
            response += buffer[0..<count]
        }
        return response
    }

    private static func connect(_ endpoint: SocketEndpoint, timeoutSeconds: Double) throws -> Int32 {
        switch endpoint {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard bytes.count < capacity else {
                throw SocketExchangeError(message: "connect to \(path) failed: the path is longer than \(capacity - 1) bytes")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            let fd = try openSocket(family: AF_UNIX, timeoutSeconds: timeoutSeconds, endpoint: endpoint)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result != 0 {
                let error = failure("connect to \(path) failed")
                close(fd)
                throw error
            }
            return fd
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw SocketExchangeError(message: "connect to \(endpoint) failed: cannot resolve \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(first) }
            var lastError = SocketExchangeError(message: "connect to \(endpoint) failed")
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let info = entry {
                entry = info.pointee.ai_next
                guard let fd = try? openSocket(family: info.pointee.ai_family, timeoutSeconds: timeoutSeconds, endpoint: endpoint)
                else { continue }
                if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
                lastError = failure("connect to \(endpoint) failed")
                close(fd)
            }
            throw lastError
        }
    }

    private static func openSocket(family: Int32, timeoutSeconds: Double, endpoint: SocketEndpoint) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        if fd < 0 { throw failure("cannot open a socket for \(endpoint)") }
        // On Linux SO_SNDTIMEO also bounds connect(2).
        var timeout = timeval(tv_sec: Int(timeoutSeconds), tv_usec: Int((timeoutSeconds - Double(Int(timeoutSeconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func failure(_ what: String) -> SocketExchangeError {
        SocketExchangeError(message: "\(what): \(String(cString: strerror(errno)))")
    }
}
