import HoistCore

/// A plain HTTP/1.0 GET from this machine, for balancers that cannot tell whether a server
/// is healthy (open-source nginx): a 2xx answer is healthy.
enum HTTPHealthProbe {
    /// Why the last probe failed, or nil when the server answered 2xx.
    static func failure(address: String, path: String, timeoutSeconds: Double) async -> String? {
        guard let endpoint = SocketEndpoint.tcp(address) else {
            return "\(address) is not host:port"
        }
        let request = "GET \(path) HTTP/1.0\r\nHost: \(address)\r\nConnection: close\r\nUser-Agent: hoist\r\n\r\n"
        do {
            let response = try await SocketExchange.exchange(
                endpoint, send: Array(request.utf8), timeoutSeconds: timeoutSeconds, maxBytes: 4096)
            let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            let words = statusLine.split(separator: " ")
            if words.count >= 2, words[0].hasPrefix("HTTP/"), words[1].hasPrefix("2"), words[1].count == 3 {
                return nil
            }
            return statusLine.isEmpty ? "GET http://\(address)\(path): empty answer" : "GET http://\(address)\(path): \(statusLine)"
        } catch {
            return "GET http://\(address)\(path): \(error)"
        }
    }
}
