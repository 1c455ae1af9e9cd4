import Foundation
import Glibc
import HoistCore
import HoistTestSupport
@testable import HoistLoadBalancers

/// A real HAProxy started for one test: admin API on a unix socket and on a loopback TCP
/// port, a TCP-mode frontend, and backend `app` whose servers point at `HTTPBackend`s (or at
/// closed ports). Every server starts in maintenance, as hosts not yet registered would.
final class HAProxyFixture {
    struct Server {
        var name: String
        var port: Int
        /// `track BACKEND/SERVER`: no check of its own, the tracked server's health.
        var tracks: String? = nil
    }

    let directory: TemporaryDirectory
    let servers: [Server]
    let frontendPort: Int
    let tcpAPIPort: Int
    var socketPath: String { directory.file("admin.sock") }
    var tcpAddress: String { "127.0.0.1:\(tcpAPIPort)" }

    /// `checkInterval`: HAProxy's `inter` for every server's health check. `inRotation`:
    /// servers start ready, so a reload (no server-state file) puts them back in rotation.
    init(servers: [Server], checkInterval: String = "100ms", inRotation: Bool = false) async throws {
        directory = try TemporaryDirectory("haproxy")
        self.servers = servers
        frontendPort = try LoopbackPorts.free()
        tcpAPIPort = try LoopbackPorts.free()
        let serverLines = servers.map {
            "    server \($0.name) 127.0.0.1:\($0.port) "
                + ($0.tracks.map { "track \($0)" } ?? "check inter \(checkInterval) fall 1 rise 1") + (inRotation ? "" : " disabled")
        }
        let config = """
            global
                stats socket \(directory.file("admin.sock")) mode 600 level admin
                stats socket ipv4@127.0.0.1:\(tcpAPIPort) level admin
            defaults
                mode tcp
                timeout connect 2s
                timeout client 120s
                timeout server 120s
                timeout check 1s
            frontend fe
                bind 127.0.0.1:\(frontendPort)
                default_backend app
            backend app
                balance roundrobin
                option httpchk GET /health
            \(serverLines.joined(separator: "\n"))

            """
        try directory.write("haproxy.cfg", config)
        let (result, _, stderr) = try await LocalShell.capture(
            shellJoin(["haproxy", "-D", "-f", directory.file("haproxy.cfg"), "-p", directory.file("haproxy.pid")]))
        guard result.succeeded else {
            directory.remove()
            throw FixtureError("haproxy did not start: \(stderr)")
        }
        let api = HAProxyUnixSocketAPI(path: socketPath)
        let ready = await eventually { (try? await api.send("show info")) != nil }
        if !ready {
            stop()
            throw FixtureError("haproxy's admin socket \(socketPath) never answered")
        }
    }

    /// Reloads as `haproxy -sf` does: a new process takes over the sockets with the states of
    /// the configuration, and the old one finishes the connections it holds. Returns once the
    /// admin socket answers from the new process.
    func reload() async throws {
        let old = try directory.read("haproxy.pid").trimmingCharacters(in: .whitespacesAndNewlines)
        let (result, _, stderr) = try await LocalShell.capture(shellJoin(
            ["haproxy", "-D", "-f", directory.file("haproxy.cfg"), "-p", directory.file("haproxy.pid"), "-sf", old]))
        guard result.succeeded else { throw FixtureError("haproxy did not reload: \(stderr)") }
        let api = HAProxyUnixSocketAPI(path: socketPath)
        let answered = await eventually {
            guard let info = try? await api.send("show info") else { return false }
            return info.contains("\nPid: ") && !info.contains("\nPid: \(old)\n")
        }
        if !answered { throw FixtureError("the reloaded haproxy's admin socket \(socketPath) never answered") }
    }

    func stop() {
        directory.stopDaemon(pidFile: "haproxy.pid")
        directory.remove()
    }
}
