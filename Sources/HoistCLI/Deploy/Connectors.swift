import Foundation
import HoistCore
import HoistSSH

/// The SSH connector for a command's hosts, with the playbook's `ssh` settings and OpenSSH's
/// default keys for hosts that name none. Warnings (host key checking off, a newly recorded
/// key) go to stderr: they must be seen.
func makeConnector(for target: LoadedTarget) -> any HostConnector {
    var options = SSHConnectorOptions()
    if let ssh = target.playbook?.ssh {
        if let t = ssh.connectTimeoutSeconds { options.connectTimeoutSeconds = t }
        if let n = ssh.handshakeConcurrency { options.maxConcurrentHandshakes = n }
    }
    options.onWarning = { host, message in Console.shared.err("hoist: warning: \(host): \(message)") }
    return DefaultKeysConnector(inner: SSHConnector(options: options))
}

/// Fills in `~/.ssh/id_ed25519` and `~/.ssh/id_ecdsa` (when present) for hosts without an
/// identity file, as ssh does.
struct DefaultKeysConnector: HostConnector {
    var inner: any HostConnector

    static let defaultKeys: [String] = {
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        return ["id_ed25519", "id_ecdsa"].map { "\(home)/.ssh/\($0)" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }()

    func connect(_ host: HostSpec) async throws -> any HostSession {
        var host = host
        if host.identityFiles.isEmpty { host.identityFiles = Self.defaultKeys }
        return try await inner.connect(host)
    }
}
