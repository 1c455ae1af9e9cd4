import Foundation
import HoistCore
import HoistSSH
import HoistTestSupport
import Testing

/// The fleet's wide-area network (`scripts/fleet up N --latency RTT`) is
/// scripts/lib/latency-relay. These tests run it in front of local listeners and check that
/// every exchange costs at least the round-trip time, and that it counts the exchanges.
@Suite("Latency relay (the fleet's WAN)")
struct LatencyRelayTests {
    static let rttMilliseconds = 120.0

    @Test func everyExchangeTakesAtLeastTheRoundTripTimeAndIsCounted() async throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let relay = try RelayProcess(upstreamPort: echo.port, rttMilliseconds: Self.rttMilliseconds)
        defer { relay.stop() }

        let exchanges = 5
        let socket = try TCPClient(port: relay.port)
        var fastest = Double.infinity
        for _ in 0..<exchanges {
            let started = Date()
            try socket.send([0x78])
            _ = try socket.receive(1)
            fastest = min(fastest, Date().timeIntervalSince(started))
        }
        socket.close()
        #expect(fastest >= 0.95 * Self.rttMilliseconds / 1000, "an echo through the relay took \(fastest) s, less than the RTT")
        let line = try relay.waitForConnectionLog()
        // `conn NAME TURNS UP DOWN SECONDS`: one round trip per echo.
        #expect(line.turns == exchanges)
        #expect(line.bytesUp == exchanges && line.bytesDown == exchanges)
    }

    @Test func anSSHCommandThroughTheRelayPaysSeveralRoundTrips() async throws {
        let sshd = LocalSSHD.shared
        let relay = try RelayProcess(upstreamPort: sshd.port, rttMilliseconds: Self.rttMilliseconds)
        defer { relay.stop() }
        var host = sshd.host(knownHosts: sshd.path("known_hosts_relay_\(UUID().uuidString.prefix(6))"), checking: .acceptNew)
        host.port = relay.port
        let started = Date()
        let session = try await LocalSSHD.connector().connect(host)
        let (result, out, _) = try await session.capture("echo through")
        await session.close()
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.exitStatus == 0 && out == "through")
        let line = try relay.waitForConnectionLog()
        // At least: the connection, key exchange, authentication, the channel, the command.
        #expect(line.turns >= 5)
        #expect(elapsed >= Double(line.turns - 1) * Self.rttMilliseconds / 1000 * 0.8,
                "\(line.turns) round trips of \(Self.rttMilliseconds) ms took only \(elapsed) s")
    }
}

/// scripts/lib/latency-relay with one route, 127.0.0.1:(a free port) → 127.0.0.1:upstream.
/// Started with posix_spawn and no descriptor of ours, watching this test process
/// (`--parent`), so it can neither hold the test runner's pipes nor outlive the tests.
final class RelayProcess {
    struct LogLine { var turns: Int; var bytesUp: Int; var bytesDown: Int }
    private(set) var port = 0
    let dir: URL
    private let child: SpawnedProcess

    init(upstreamPort: Int, rttMilliseconds: Double) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-relay-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "test - 127.0.0.1 0 127.0.0.1 \(upstreamPort)\n".write(to: dir.appendingPathComponent("routes"), atomically: true, encoding: .utf8)
        let ready = dir.appendingPathComponent("ready").path
        child = try SpawnedProcess(
            path: "/usr/bin/python3",
            arguments: [TestPaths.packageRoot.appendingPathComponent("scripts/lib/latency-relay").path,
                        "--rtt-ms", String(rttMilliseconds), "--routes", dir.appendingPathComponent("routes").path,
                        "--log", dir.appendingPathComponent("log").path, "--ready", ready,
                        "--parent", String(getpid())],
            environment: ["PATH": "/usr/bin:/bin"], ownProcessGroup: true)
        // Its output is not read: an error shows as a relay that never gets ready.
        close(child.stdout)
        close(child.stderr)
        var listening: Int?
        try waitFor("the relay to listen") {
            let text = (try? String(contentsOfFile: ready, encoding: .utf8)) ?? ""
            listening = text.split(separator: "\n").first.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
            return listening != nil
        }
        port = listening!
    }

    func waitForConnectionLog() throws -> LogLine {
        var line: LogLine?
        try waitFor("the relay to log the connection") {
            let text = (try? String(contentsOf: dir.appendingPathComponent("log"), encoding: .utf8)) ?? ""
            guard let first = text.split(separator: "\n").first else { return false }
            let words = first.split(separator: " ").map(String.init)
            guard words.count == 6, let turns = Int(words[2]), let up = Int(words[3]), let down = Int(words[4]) else { return false }
            line = LogLine(turns: turns, bytesUp: up, bytesDown: down)
            return true
        }
        return line!
    }

    /// TERM, then reaps it (bounded: KILL if TERM is not enough within the limit).
    func stop() {
        kill(child.pid, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        var status: Int32 = 0
        while waitpid(child.pid, &status, WNOHANG) == 0 {
            if Date() > deadline { kill(child.pid, SIGKILL) }
            usleep(20_000)
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// Polls `condition` until it holds; the limit is generous for a busy machine.
    private func waitFor(_ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(60)
        while !condition() {
            var status: Int32 = 0
            if waitpid(child.pid, &status, WNOHANG) == child.pid {
                throw RelayFailed(description: "the relay ended (status \(status)) while waiting for \(what)")
            }
            guard Date() < deadline else {
                stop()
                throw RelayFailed(description: "timed out waiting for \(what)")
            }
            usleep(20_000)
        }
    }

    struct RelayFailed: Error, CustomStringConvertible { var description: String }
}

/// Echoes every byte back, one connection at a time, on 127.0.0.1 and a free port.
final class EchoServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32

    init() throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listener = self.listener
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread {
            // The listener is closed here, never in `stop()`: its number must not be freed
            // (and handed to another test's socket) while this loop may still accept on it.
            defer { close(listener) }
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                var byte = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(client, &byte, byte.count)
                    if n <= 0 { break }
                    _ = write(client, byte, n)
                }
                close(client)
            }
        }.start()
    }

    /// Wakes the echoing thread, which closes the listener.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}

/// A blocking TCP client socket to 127.0.0.1.
struct TCPClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let fd = self.fd
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ bytes: [UInt8]) throws {
        guard write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(.EPIPE) }
    }

    func receive(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, count - got) }
            guard n > 0 else { throw POSIXError(.ECONNRESET) }
            got += n
        }
        return buffer
    }

    func close() { _ = Glibc.close(fd) }
}
