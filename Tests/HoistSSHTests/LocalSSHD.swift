import Foundation
import HoistCore
import HoistSSH
import HoistTestSupport

/// A real OpenSSH server on 127.0.0.1 and a random high port, with its own host keys, client
/// keys and known_hosts in a temporary folder. One per test process; it stops when the test
/// process ends (its supervisor shell waits on our stdin pipe), and then removes the folder.
final class LocalSSHD: @unchecked Sendable {
    let dir: URL
    let port: Int
    private let process: Process
    private let stdin: Pipe

    static let shared: LocalSSHD = {
        do { return try LocalSSHD() } catch { fatalError("cannot start sshd for the tests: \(error)") }
    }()

    static let passphrase = "correct horse 'battery'"

    var knownHosts: String { path("known_hosts") }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    private init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-sshd-\(UUID().uuidString.prefix(8))")
        self.dir = dir
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        for (name, type) in [("host_ed25519", "ed25519"), ("host_ecdsa", "ecdsa"), ("other_ed25519", "ed25519"),
                             ("id_ed25519", "ed25519"), ("id_ecdsa", "ecdsa"), ("id_wrong", "ed25519"), ("id_rsa", "rsa")] {
            try Self.shell("ssh-keygen -q -t \(type) -N '' -C hoist-test -f \(shellQuote(dir.appendingPathComponent(name).path))")
        }
        try Self.shell("ssh-keygen -q -t ed25519 -N \(shellQuote(Self.passphrase)) -C hoist-test -f \(shellQuote(dir.appendingPathComponent("id_locked").path))")
        let authorized = try ["id_ed25519", "id_ecdsa", "id_rsa", "id_locked"]
            .map { try String(contentsOf: dir.appendingPathComponent("\($0).pub"), encoding: .utf8) }.joined()
        try authorized.write(to: dir.appendingPathComponent("authorized_keys"), atomically: true, encoding: .utf8)

        var lastError = ""
        for _ in 0..<10 {
            let port = Int.random(in: 20000...60000)
            let config = """
                Port \(port)
                ListenAddress 127.0.0.1
                HostKey \(dir.path)/host_ed25519
                HostKey \(dir.path)/host_ecdsa
                AuthorizedKeysFile \(dir.path)/authorized_keys
                PidFile \(dir.path)/sshd.pid
                UsePAM no
                StrictModes no
                PermitRootLogin yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                AllowTcpForwarding yes
                MaxStartups 200:30:400
                MaxSessions 100
                Subsystem sftp internal-sftp
                LogLevel DEBUG1

                """
            try config.write(to: dir.appendingPathComponent("sshd_config"), atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // The supervisor stops sshd when our end of its stdin closes, or when this test
            // process is gone (a write end inherited by another child would keep stdin open).
            // It must not hold our stderr: `swift test` waits for that pipe to close.
            // sshd runs with an empty /root of its own, as the fleet's hosts do: bash run by
            // sshd reads the machine's ~/.bashrc, and a developer's one (pyenv's rehash, which
            // takes a lock) made forty logins at once wait past the shell's 30 s on a busy
            // machine.
            process.arguments = ["-c", "unshare --mount --propagation private sh -c 'mount -t tmpfs -o mode=0700 hoist-test-root /root && exec \"$0\" \"$@\"' /usr/sbin/sshd -D -E \(shellQuote(dir.path))/sshd.log -f \(shellQuote(dir.path))/sshd_config </dev/null & pid=$!; echo started; exec 3<&0; (cat <&3 >/dev/null; kill $pid) & while kill -0 $PPID 2>/dev/null && kill -0 $pid 2>/dev/null; do sleep 1; done; kill $pid 2>/dev/null; wait $pid; [ ! -e \(shellQuote(dir.path))/.remove-at-exit ] || rm -rf -- \(shellQuote(dir.path))"]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            _ = output.fileHandleForReading.availableData
            if try Self.waitListening(logFile: dir.appendingPathComponent("sshd.log").path, process: process) {
                self.port = port
                self.process = process
                self.stdin = input
                // Only the server that started removes the folder: a failed try's supervisor
                // ends while the next try still needs the keys.
                _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(".remove-at-exit").path, contents: nil)
                let hostKey = try String(contentsOf: dir.appendingPathComponent("host_ed25519.pub"), encoding: .utf8)
                    .split(separator: " ").prefix(2).joined(separator: " ")
                try "[127.0.0.1]:\(port) \(hostKey)\n".write(to: dir.appendingPathComponent("known_hosts"), atomically: true, encoding: .utf8)
                return
            }
            lastError = (try? String(contentsOf: dir.appendingPathComponent("sshd.log"), encoding: .utf8)) ?? ""
            try? input.fileHandleForWriting.close()
        }
        throw NSError(domain: "LocalSSHD", code: 1, userInfo: [NSLocalizedDescriptionKey: "sshd did not start: \(lastError)"])
    }

    /// Follows sshd's log until it says it listens, or the server exits.
    private static func waitListening(logFile: String, process: Process) throws -> Bool {
        let fd = open(logFile, O_RDONLY | O_CREAT, 0o644)
        defer { close(fd) }
        let inotify = inotify_init1(Int32(IN_CLOEXEC))
        defer { close(inotify) }
        inotify_add_watch(inotify, logFile, UInt32(IN_MODIFY))
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { text += String(decoding: buffer[0..<n], as: UTF8.self); continue }
            if text.contains("Server listening on") { return true }
            if text.contains("Cannot bind") || text.contains("fatal") || !process.isRunning { return false }
            var pfd = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) > 0 { _ = read(inotify, &buffer, buffer.count) }
        }
    }

    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "shell", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "failed: \(command)"])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A host entry for this server, with the test's known_hosts and authorized key.
    func host(name: String = "local", identity: String = "id_ed25519", knownHosts: String? = nil,
              checking: HostKeyChecking = .strict, jumps: [JumpHost] = []) -> HostSpec {
        HostSpec(name: name, address: "127.0.0.1", port: port, user: "root",
                 identityFiles: [path(identity)], knownHostsFile: knownHosts ?? self.knownHosts,
                 hostKeyChecking: checking, jumps: jumps)
    }

    /// The OpenSSH fingerprint of one of the fixture's public keys.
    func fingerprint(_ name: String) throws -> String {
        let line = try Self.shell("ssh-keygen -l -E sha256 -f \(shellQuote(path(name + ".pub")))")
        return String(line.split(separator: " ")[1])
    }

    /// The transport error connecting to `host` fails with, or nil when it connects.
    static func connectError(_ host: HostSpec) async -> TransportError? {
        do {
            let session = try await connector().connect(host)
            await session.close()
            return nil
        } catch {
            return error as? TransportError
        }
    }

    /// Where `connectThroughProxy` puts its proxy.
    enum ProxyPlace {
        /// In front of the host.
        case host
        /// In front of the jump host the session reaches this server through (this server too).
        case jumpHost
        /// In front of the host, reached through this server as a jump host.
        case hostBehindJumpHost
    }

    /// A proxy in front of this server (to cut or freeze the connection) and a session through
    /// it, its host keys accepted into a known_hosts file of its own.
    func connectThroughProxy(at place: ProxyPlace = .host, _ configure: (inout SSHConnectorOptions) -> Void = { _ in })
        async throws -> (CommitCuttingProxy, any HostSession) {
        signal(SIGPIPE, SIG_IGN)
        let proxy = try CommitCuttingProxy(targetPort: port)
        let knownHosts = dir.appendingPathComponent("known_hosts-\(UUID().uuidString)").path
        try "".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let jumps = place == .host ? [] : [JumpHost(address: "127.0.0.1", port: place == .jumpHost ? proxy.port : port, user: "root")]
        var host = host(knownHosts: knownHosts, checking: .acceptNew, jumps: jumps)
        if place != .jumpHost { host.port = proxy.port }
        return (proxy, try await Self.connector(configure).connect(host))
    }

    /// A connector that never uses the developer's ssh-agent.
    static func connector(_ configure: (inout SSHConnectorOptions) -> Void = { _ in }) -> SSHConnector {
        var options = SSHConnectorOptions()
        options.askPassphraseOnTerminal = false
        options.useAgent = false
        options.environment = [:]
        options.connectTimeoutSeconds = 10
        configure(&options)
        return SSHConnector(options: options)
    }
}
