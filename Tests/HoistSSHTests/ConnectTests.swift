import Foundation
import HoistCore
import HoistDigest
import HoistSSH
import HoistTestSupport
import Testing

/// Authentication, connection failures, jump hosts and many sessions against a real sshd.
@Suite("SSH connect and auth against a real sshd")
struct ConnectTests {
    let sshd = LocalSSHD.shared

    @Test func anECDSAKeyWorks() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host(identity: "id_ecdsa"))
        let (result, out, _) = try await session.capture("echo ok")
        #expect(result.exitStatus == 0 && out == "ok")
        await session.close()
    }

    @Test func anSSHAgentIsTriedFirst() async throws {
        let socket = sshd.path("agent-\(UUID().uuidString.prefix(8)).sock")
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
        agent.arguments = ["-D", "-a", socket]
        agent.standardOutput = FileHandle.nullDevice
        try agent.run()
        // The agent does not stop on TERM when started through Foundation's Process.
        defer { kill(agent.processIdentifier, SIGKILL) }
        // Up to a minute for the agent to take the key: with a build beside it, 5 s was not
        // enough, and its socket can be there before it listens (ssh-add then exits 2).
        let add = "SSH_AUTH_SOCK=\(shellQuote(socket)) ssh-add -q \(shellQuote(sshd.path("id_ecdsa"))) </dev/null >/dev/null 2>&1"
        try #require(await eventually(within: 60) { (try? LocalSSHD.shell(add)) != nil }, "the ssh-agent did not take the key")
        var host = sshd.host()
        host.identityFiles = []
        let connector = LocalSSHD.connector {
            $0.useAgent = true
            $0.environment = ["SSH_AUTH_SOCK": socket]
        }
        let session = try await connector.connect(host)
        await session.close()
        // Without the agent the same host has nothing to offer.
        let error = await LocalSSHD.connectError(host)
        #expect(error?.kind == .auth)
    }

    @Test func aWrongKeyIsRefusedNamingWhatWasTried() async throws {
        let error = await LocalSSHD.connectError(sshd.host(identity: "id_wrong"))
        #expect(error?.kind == .auth)
        #expect(error?.message.contains(sshd.path("id_wrong")) == true)
        #expect(error?.message.contains("the server allows: publickey") == true)
    }

    @Test func anRSAKeyRefusalExplainsLibssh2SHA1Signatures() async throws {
        let error = await LocalSSHD.connectError(sshd.host(identity: "id_rsa"))
        #expect(error?.kind == .auth)
        #expect(error?.message.contains("libssh2 1.10 signs RSA keys with SHA-1 only") == true)
    }

    @Test func aClosedPortIsRefused() async throws {
        var host = sshd.host()
        host.port = 1
        let error = await LocalSSHD.connectError(host)
        #expect(error?.kind == .refused)
        #expect(error?.host == "local")
    }

    @Test func anUnknownNameIsADNSError() async throws {
        var host = sshd.host()
        host.address = "no-such-host.invalid"
        let error = await LocalSSHD.connectError(host)
        #expect(error?.kind == .dns)
        #expect(error?.message.contains("no-such-host.invalid") == true)
    }

    @Test func aJumpHostTunnelsTheSession() async throws {
        // The same sshd is both the jump host and the target: the target is reached through
        // a direct-tcpip channel of the first session.
        let host = sshd.host(jumps: [JumpHost(address: "127.0.0.1", port: sshd.port, user: "root")])
        let session = try await LocalSSHD.connector().connect(host)
        let (result, out, _) = try await session.capture("echo through the tunnel; echo $SSH_CONNECTION | cut -d' ' -f1")
        #expect(result.exitStatus == 0)
        #expect(out == "through the tunnel\n127.0.0.1")
        let local = sshd.dir.appendingPathComponent("tunnel-\(UUID().uuidString)")
        try Data(repeating: 7, count: 2 << 20).write(to: local)
        let upload = try await session.upload(localPath: local.path, remotePath: sshd.path("tunnel-copy-\(UUID().uuidString)"), mode: 0o600,
                                              sha256: try FileSHA256.hex(path: local.path), progress: nil)
        #expect(upload.bytes == 2 << 20)
        await session.close()
    }

    @Test func aJumpHostsKeyIsCheckedToo() async throws {
        let empty = sshd.dir.appendingPathComponent("known_hosts-\(UUID().uuidString)").path
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let host = sshd.host(knownHosts: empty, jumps: [JumpHost(address: "127.0.0.1", port: sshd.port)])
        let error = await LocalSSHD.connectError(host)
        #expect(error?.kind == .hostKey)
        #expect(error?.message.hasPrefix("jump host root@127.0.0.1") == false)
        #expect(error?.message.contains("jump host 127.0.0.1:\(sshd.port)") == true)
    }

    @Test func manySessionsAtOnce() async throws {
        let connector = LocalSSHD.connector()
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let session = try await connector.connect(sshd.host(name: "h\(index)"))
                    let (_, out, _) = try await session.capture("echo \(index)")
                    await session.close()
                    return out
                }
            }
            var all: [String] = []
            for try await out in group { all.append(out) }
            return all
        }
        #expect(Set(outputs) == Set((0..<40).map(String.init)))
    }
}

/// Deadlines, retries, keepalives and passphrases.
@Suite("SSH connection behaviour against a real sshd")
struct ConnectionBehaviourTests {
    let sshd = LocalSSHD.shared

    /// Connects to a fake server; the error and how many connections it accepted.
    private func connectToFake(_ behaviour: FakeTCPServer.Behaviour,
                               _ configure: @escaping (inout SSHConnectorOptions) -> Void) async throws -> (TransportError?, Int) {
        let server = try FakeTCPServer(behaviour)
        defer { server.stop() }
        var host = sshd.host()
        host.port = server.port
        do {
            _ = try await LocalSSHD.connector(configure).connect(host)
            return (nil, server.acceptedCount)
        } catch {
            return (error as? TransportError, server.acceptedCount)
        }
    }

    @Test func aServerThatNeverSendsABannerTimesOut() async throws {
        let (error, connections) = try await connectToFake(.silent) { $0.connectTimeoutSeconds = 1 }
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("SSH handshake") == true)
        #expect(connections == 1, "timeouts are not retried")
    }

    @Test func droppedHandshakesAreRetriedABoundedNumberOfTimes() async throws {
        let (error, connections) = try await connectToFake(.closeImmediately) { $0.handshakeAttempts = 3 }
        #expect(error?.kind == .closed || error?.kind == .protocolError)
        #expect(error?.host == "local")
        #expect(connections == 3)
    }

    @Test func aPassphraseFromTheEnvironmentUnlocksAKey() async throws {
        let host = sshd.host(identity: "id_locked")
        let unlocked = LocalSSHD.connector { $0.environment = ["HOIST_SSH_PASSPHRASE": LocalSSHD.passphrase] }
        let session = try await unlocked.connect(host)
        await session.close()

        let error = await LocalSSHD.connectError(host)
        #expect(error?.kind == .auth)
        #expect(error?.message.contains("HOIST_SSH_PASSPHRASE") == true)
    }

    @Test func keepalivesFlowDuringLongCommandsAndTCPKeepaliveIsOn() async throws {
        let connector = LocalSSHD.connector { $0.keepaliveSeconds = 1 }
        let session = try await connector.connect(sshd.host(name: "keepalive"))
        let (result, out, _) = try await session.capture("sleep 3; echo $SSH_CONNECTION | cut -d' ' -f2")
        #expect(result.exitStatus == 0)
        // sshd logs each keepalive@libssh2.org request it answers (LogLevel DEBUG1).
        let log = try String(contentsOfFile: sshd.path("sshd.log"), encoding: .utf8)
        #expect(log.contains("rtype keepalive@libssh2.org"))
        // `ss -o` shows a keepalive timer on sockets with SO_KEEPALIVE, but only one timer: while
        // bytes wait to be acknowledged (a busy machine) it shows the retransmit timer, so look
        // again for up to a minute.
        var sockets = ""
        _ = try await eventually(within: 60) {
            sockets = try LocalSSHD.shell("ss -tnoH state established '( sport = :\(out) )'")
            return sockets.contains("keepalive")
        }
        #expect(sockets.contains("keepalive"), "\(sockets)")
        await session.close()
    }
}
