import Foundation
import Glibc
import HoistCore
import HoistTestSupport
@testable import HoistLoadBalancers

/// A tiny HTTP server on 127.0.0.1 (python3's http.server) serving `/health` and `/whoami`,
/// which answers with the backend's name, so a test can tell where a request landed.
final class HTTPBackend {
    let name: String
    let port: Int
    private let directory: TemporaryDirectory
    private let pid: pid_t

    var address: String { "127.0.0.1:\(port)" }

    init(name: String) async throws {
        self.name = name
        directory = try TemporaryDirectory("www-\(name)")
        try directory.write("health", "ok\n")
        try directory.write("whoami", name)
        port = try LoopbackPorts.free()
        let command = shellJoin(["/usr/bin/python3", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory.path])
            + " >/dev/null 2>&1 & echo $!"
        let (result, stdout, stderr) = try await LocalShell.capture(command)
        guard result.succeeded, let pid = pid_t(stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            directory.remove()
            throw FixtureError("cannot start python3 http.server: \(stderr)")
        }
        self.pid = pid
        let endpoint = SocketEndpoint.tcp(host: "127.0.0.1", port: port)
        let listening = await eventually {
            (try? await SocketExchange.exchange(endpoint, send: Array("GET /health HTTP/1.0\r\n\r\n".utf8), timeoutSeconds: 2)) != nil
        }
        if !listening {
            stop()
            throw FixtureError("python3 http.server on 127.0.0.1:\(port) did not start")
        }
    }

    /// From now on `/health` answers 404, as an app that broke while its host was out.
    func failHealthChecks() throws {
        try FileManager.default.removeItem(atPath: directory.file("health"))
    }

    /// `/health` answers 200 again.
    func healHealthChecks() throws {
        try directory.write("health", "ok\n")
    }

    func stop() {
        kill(pid, SIGTERM)
        directory.remove()
    }
}

/// GETs `path` from 127.0.0.1:`port` and returns the body, or nil when there is no 200.
func httpGet(port: Int, path: String) async -> String? {
    guard let answer = try? await SocketExchange.exchange(
        .tcp(host: "127.0.0.1", port: port), send: Array("GET \(path) HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8),
        timeoutSeconds: 5)
    else { return nil }
    let text = String(decoding: answer, as: UTF8.self)
    guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"),
          let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}
