import Foundation
import HoistCore
import HoistSSH
import Testing

/// known_hosts handling against a real sshd: every mode, plain, hashed and `[host]:port`.
@Suite("SSH host keys against a real sshd")
struct HostKeyTests {
    let sshd = LocalSSHD.shared

    private func scratchKnownHosts(_ contents: String) throws -> String {
        let file = sshd.dir.appendingPathComponent("known_hosts-\(UUID().uuidString)")
        try contents.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func thePortFormEntryMatches() async throws {
        let session = try await LocalSSHD.connector().connectSSH(sshd.host())
        #expect(session.warnings.isEmpty)
        await session.close()
    }

    @Test func strictRefusesAnUnknownHost() async throws {
        let file = try scratchKnownHosts("")
        let error = await LocalSSHD.connectError(sshd.host(knownHosts: file))
        #expect(error?.kind == .hostKey)
        #expect(error?.message.contains("is not in \(file)") == true)
        #expect(error?.message.contains(try sshd.fingerprint("host_ed25519")) == true)
    }

    @Test func acceptNewRecordsTheKeyThenStrictAccepts() async throws {
        let file = try scratchKnownHosts("# a comment without newline")
        let first = try await LocalSSHD.connector().connectSSH(sshd.host(knownHosts: file, checking: .acceptNew))
        #expect(first.warnings.count == 1)
        await first.close()
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.hasPrefix("# a comment without newline\n[127.0.0.1]:\(sshd.port) ssh-ed25519 "))
        let second = try await LocalSSHD.connector().connectSSH(sshd.host(knownHosts: file, checking: .strict))
        #expect(second.warnings.isEmpty)
        await second.close()
    }

    @Test func aChangedKeyIsRefusedWithBothFingerprintsAndTheLineToFix() async throws {
        let other = try String(contentsOfFile: sshd.path("other_ed25519.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let file = try scratchKnownHosts("# first line\n[127.0.0.1]:\(sshd.port) \(other)\n")
        for checking in [HostKeyChecking.strict, .acceptNew] {
            let error = await LocalSSHD.connectError(sshd.host(knownHosts: file, checking: checking))
            let message = error?.message ?? ""
            #expect(error?.kind == .hostKey)
            #expect(message.contains("HOST KEY CHANGED"))
            #expect(message.contains("ssh-ed25519"))
            #expect(message.contains(try sshd.fingerprint("host_ed25519")))
            #expect(message.contains(try sshd.fingerprint("other_ed25519")))
            #expect(message.contains("\(file):2"))
            // Both steps: removing the old key alone left a strict check with no key at all.
            #expect(message.contains("ssh-keyscan -p \(sshd.port) -t ed25519 127.0.0.1 >> \(file)"), "\(message)")
            #expect(message.contains("ssh-keygen -R '[127.0.0.1]:\(sshd.port)' -f \(file)"))
        }
    }

    /// The host's recorded key is of a type it no longer offers (here RSA; the server offers
    /// ed25519 and ECDSA): OpenSSH 9.2 refuses this as a changed key, and so must every mode,
    /// without recording anything.
    @Test func aKeyOfAnotherTypeIsRefusedAsChangedInEveryMode() async throws {
        let recorded = try String(contentsOfFile: sshd.path("id_rsa.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let contents = "# first line\n[127.0.0.1]:\(sshd.port) \(recorded)\n"
        let file = try scratchKnownHosts(contents)
        for checking in [HostKeyChecking.strict, .acceptNew] {
            let error = await LocalSSHD.connectError(sshd.host(knownHosts: file, checking: checking))
            let message = error?.message ?? ""
            #expect(error?.kind == .hostKey, "\(checking)")
            #expect(message.contains("HOST KEY CHANGED"), "\(message)")
            #expect(!message.contains("is not in"), "\(message)")
            #expect(message.contains("ssh-rsa key \(try sshd.fingerprint("id_rsa"))"), "\(message)")
            #expect(message.contains("\(file):2"), "\(message)")
            #expect(message.contains("ssh-keygen -R '[127.0.0.1]:\(sshd.port)' -f \(file)"), "\(message)")
        }
        #expect(try String(contentsOfFile: file, encoding: .utf8) == contents, "nothing was recorded")
    }

    @Test func hashedEntriesAreChecked() async throws {
        let file = try scratchKnownHosts(try String(contentsOfFile: sshd.knownHosts, encoding: .utf8))
        try LocalSSHD.shell("ssh-keygen -q -H -f \(shellQuote(file)) >/dev/null 2>&1; rm -f \(shellQuote(file)).old")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("|1|"))
        let session = try await LocalSSHD.connector().connect(sshd.host(knownHosts: file))
        await session.close()
    }

    @Test func offSkipsTheCheckWithALoudWarning() async throws {
        let file = try scratchKnownHosts("")
        let warnings = Locked<[String]>([])
        var options = SSHConnectorOptions()
        options.useAgent = false
        options.environment = [:]
        options.onWarning = { _, message in warnings.withLock { $0.append(message) } }
        let session = try await SSHConnector(options: options).connectSSH(sshd.host(knownHosts: file, checking: .off))
        await session.close()
        #expect(warnings.current.count == 1)
        #expect(warnings.current.first?.contains("host key checking is OFF") == true)
        #expect(try String(contentsOfFile: file, encoding: .utf8).isEmpty)
    }
}
