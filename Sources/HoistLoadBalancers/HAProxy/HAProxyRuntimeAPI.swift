import HoistCore

/// A way to send one command to HAProxy's runtime API and get its answer. HAProxy closes the
/// connection after one command in non-interactive mode, so every call is one exchange.
public protocol HAProxyRuntimeAPI: Sendable {
    /// Where the API is, for messages: `/run/haproxy/admin.sock`, `127.0.0.1:9999`,
    /// `/run/haproxy/admin.sock on lb1`.
    var location: String { get }
    /// Sends `command` plus a newline and returns everything HAProxy answered. Throws
    /// `SocketExchangeError` (or the session's error) when the API cannot be reached.
    func send(_ command: String) async throws -> String
}

/// The runtime API on a unix socket of this machine (`stats socket PATH level admin`).
public struct HAProxyUnixSocketAPI: HAProxyRuntimeAPI {
    public var path: String
    public var timeoutSeconds: Double

    public init(path: String, timeoutSeconds: Double = 10) {
        self.path = path
        self.timeoutSeconds = timeoutSeconds
    }

    public var location: String { path }

    public func send(_ command: String) async throws -> String {
        let answer = try await SocketExchange.exchange(
            .unix(path: path), send: Array((command + "\n").utf8), timeoutSeconds: timeoutSeconds)
        return String(decoding: answer, as: UTF8.self)
    }
}

/// The runtime API on a TCP socket (`stats socket 127.0.0.1:9999 level admin`). It has no
/// authentication: bind it to loopback or a private network only.
public struct HAProxyTCPAPI: HAProxyRuntimeAPI {
    public var endpoint: SocketEndpoint
    public var timeoutSeconds: Double

    /// nil when `address` is not `host:port`.
    public init?(address: String, timeoutSeconds: Double = 10) {
        guard let endpoint = SocketEndpoint.tcp(address) else { return nil }
        self.endpoint = endpoint
        self.timeoutSeconds = timeoutSeconds
    }

    public var location: String { endpoint.description }

    public func send(_ command: String) async throws -> String {
        let answer = try await SocketExchange.exchange(
            endpoint, send: Array((command + "\n").utf8), timeoutSeconds: timeoutSeconds)
        return String(decoding: answer, as: UTF8.self)
    }
}
