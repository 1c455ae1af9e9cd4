import Foundation
import HoistCore
import HoistSSH
import HoistTestSupport
import Testing

/// The libssh2 transport against the local fleet's real sshd hosts (scripts/fleet up N).
/// Without a running fleet these fail, saying how to start it. Serialized, so that stopping
/// the last host's sshd does not race the test that visits every host.
@Suite("SSH transport on the local fleet", .serialized)
struct SSHFleetTests {
    static func connector(timeout: Double = 15) -> SSHConnector {
        var options = SSHConnectorOptions()
        options.useAgent = false
        options.environment = [:]
        options.connectTimeoutSeconds = timeout
        return SSHConnector(options: options)
    }

    private static func connectError(_ host: HostSpec, timeout: Double = 15) async -> TransportError? {
        do {
            let session = try await connector(timeout: timeout).connect(host)
            await session.close()
            return nil
        } catch {
            return error as? TransportError
        }
    }

    /// Runs apart from the outages other suites cause (`HostOutages`): a host whose startup
    /// file fails every command answered `echo ok` with exit 1 and no output.
    @Test(.everyHostAnswers) func everyHostPassesStrictHostKeyChecking() async throws {
        let hosts = try Fleet.load()
        let connector = Self.connector()
        let results = await withTaskGroup(of: (String, TransportError?).self) { group in
            for host in hosts {
                group.addTask {
                    do {
                        let session = try await connector.connect(host)
                        let (result, out, _) = try await session.capture("echo ok")
                        await session.close()
                        // A deploy test gives one pool host a login shell that prints
                        // before every command; the command's own line comes last.
                        let ok = result.exitStatus == 0 && out.split(separator: "\n").last == "ok"
                        return (host.name, ok ? nil : TransportError(host: host.name, kind: .remoteCommand, message: "unexpected \(result) \(out)"))
                    } catch {
                        return (host.name, error as? TransportError ?? TransportError(host: host.name, kind: .closed, message: "\(error)"))
                    }
                }
            }
            var all: [(String, TransportError?)] = []
            for await result in group { all.append(result) }
            return all
        }
        // Other suites stop single hosts' sshd while this runs; a refused connection is theirs.
        // Every host that answers must pass strict host key checking and authentication.
        let failures = results.compactMap(\.1).filter { $0.kind != .refused }
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
        #expect(results.filter { $0.1 == nil }.count >= hosts.count - 5, "most hosts answered")
    }

    @Test func aChangedHostKeyIsRefused() async throws {
        let hosts = try Fleet.load().filter { $0.jumps.isEmpty }
        try #require(hosts.count >= 2, "the fleet needs two directly reachable hosts")
        let (victim, donor) = (hosts[1], hosts[0])
        // A copy of known_hosts in which the victim's entries carry the donor's keys.
        let original = try String(contentsOfFile: try #require(victim.knownHostsFile), encoding: .utf8)
        let lines = original.split(separator: "\n").map(String.init)
        func names(_ line: String) -> [String] { line.split(separator: " ").first.map { $0.split(separator: ",").map(String.init) } ?? [] }
        func matches(_ line: String, _ host: HostSpec) -> Bool {
            names(line).contains(host.address) || names(line).contains("[\(host.address)]:\(host.port)")
        }
        let donorKeys = Dictionary(lines.filter { matches($0, donor) }.map { line -> (String, String) in
            let fields = line.split(separator: " ").map(String.init)
            return (fields[1], fields[2])
        }, uniquingKeysWith: { first, _ in first })
        try #require(!donorKeys.isEmpty, "no plain known_hosts entry for \(donor.address)")
        let changed = lines.map { line -> String in
            guard matches(line, victim) else { return line }
            let fields = line.split(separator: " ").map(String.init)
            guard let key = donorKeys[fields[1]] else { return line }
            return "\(fields[0]) \(fields[1]) \(key)"
        }.joined(separator: "\n") + "\n"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-fleet-known_hosts-\(UUID().uuidString)").path
        try changed.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        var host = victim
        host.knownHostsFile = file

        let error = await Self.connectError(host)
        let message = error?.message ?? ""
        #expect(error?.kind == .hostKey)
        #expect(message.contains("HOST KEY CHANGED"))
        #expect(message.components(separatedBy: "SHA256:").count == 3, "both fingerprints: \(message)")
        #expect(message.contains("ssh-keygen -R"))
        #expect(message.contains(file + ":"))
    }

    @Test func aWrongKeyIsRefused() async throws {
        var host = try #require(try Fleet.load().first { $0.jumps.isEmpty })
        host.identityFiles = [TestPaths.fleetDir.appendingPathComponent("id_ed25519_wrong").path]
        let error = await Self.connectError(host)
        #expect(error?.kind == .auth)
        #expect(error?.message.contains("id_ed25519_wrong") == true)
        #expect(error?.message.contains("the server allows:") == true)
    }

    @Test func anECDSAKeyWorks() async throws {
        var host = try #require(try Fleet.load().first { $0.jumps.isEmpty })
        host.identityFiles = [TestPaths.fleetDir.appendingPathComponent("id_ecdsa").path]
        let session = try await Self.connector().connect(host)
        let (result, _, _) = try await session.capture("true")
        #expect(result.exitStatus == 0)
        await session.close()
    }

    @Test func innerHostsAreReachedThroughTheBastionOnly() async throws {
        let inner = try #require(try Fleet.load().first { $0.name == "inner1" }, "the fleet has no inner1")
        #expect(!inner.jumps.isEmpty)
        let session = try await Self.connector().connect(inner)
        let (result, out, _) = try await session.capture("echo ok; echo $SSH_CONNECTION | cut -d' ' -f3")
        #expect(result.exitStatus == 0)
        #expect(out == "ok\n\(inner.address)")
        await session.close()

        var direct = inner
        direct.jumps = []
        let error = await Self.connectError(direct, timeout: 3)
        #expect(error?.isUnreachable == true)
    }

    /// Uses the fleet's last host, which no deploy test is handed, and waits for the tests that
    /// need every host answering (`HostOutages`).
    @Test func aStoppedSSHDIsReportedAsRefused() async throws {
        let host = try #require(try Fleet.load().last { $0.jumps.isEmpty })
        let error = try await HostOutages.withSSHDStopped(host.name) { await Self.connectError(host, timeout: 5) }
        #expect(error?.kind == .refused)
        #expect(error?.host == host.name)
        #expect(error?.message.contains(host.address) == true)
        let session = try await Self.connector().connect(host)
        await session.close()
    }
}
