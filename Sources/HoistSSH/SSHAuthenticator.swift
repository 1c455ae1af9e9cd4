import CLibSSH2
import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Authenticates a session after its host key was verified: ssh-agent first, then identity
/// files, then a password from an environment variable. A failure lists what was tried and
/// what the server allows.
struct SSHAuthenticator {
    let label: String
    let user: String
    let identityFiles: [String]
    let passwordEnv: String?
    let environment: [String: String]
    let useAgent: Bool
    let askPassphrase: Bool

    static let rsaHint = "libssh2 1.10 signs RSA keys with SHA-1 only, which OpenSSH 8.8+ refuses; use an ed25519 or ECDSA key"

    func authenticate(_ handle: SSHSessionHandle, deadline: Deadline) throws {
        let session = handle.raw
        let list: UnsafeMutablePointer<CChar>? = try? handle.callPointer("listing auth methods", kind: .auth, deadline: deadline) {
            libssh2_userauth_list(session, user, UInt32(user.utf8.count))
        }
        if list == nil, libssh2_userauth_authenticated(session) != 0 { return }
        let allowed = list.map { String(cString: $0) } ?? "unknown"
        let methods = Set(allowed.split(separator: ",").map(String.init))
        var tried: [String] = []
        var rsaRefused = false

        if methods.contains("publickey") {
            if useAgent, let socket = environment["SSH_AUTH_SOCK"], !socket.isEmpty {
                if try agentAuth(handle, socket: socket, deadline: deadline, tried: &tried) { return }
            }
            for path in identityFiles {
                let result = try fileAuth(handle, path: path, deadline: deadline)
                tried.append("\(path) (\(result.note))")
                if result.ok { return }
                rsaRefused = rsaRefused || result.rsaRefused
            }
        }
        if let variable = passwordEnv {
            if !methods.contains("password") {
                tried.append("password (the server does not allow it)")
            } else if let password = environment[variable] {
                let rc = try handle.call("password authentication", kind: .auth, deadline: deadline) {
                    libssh2_userauth_password_ex(session, user, UInt32(user.utf8.count), password, UInt32(password.utf8.count), nil)
                }
                if rc == 0 { return }
                tried.append("password from $\(variable) (refused)")
            } else {
                tried.append("password ($\(variable) is not set)")
            }
        }
        if tried.isEmpty { tried.append("nothing: no agent, no identity file and no password variable were configured") }
        var message = "authentication as \(user) failed; tried: \(tried.joined(separator: "; ")); the server allows: \(allowed)"
        if rsaRefused { message += ". \(Self.rsaHint)" }
        throw TransportError(host: label, kind: .auth, message: message)
    }

    private func agentAuth(_ handle: SSHSessionHandle, socket: String, deadline: Deadline, tried: inout [String]) throws -> Bool {
        let session = handle.raw
        guard let agent = libssh2_agent_init(session) else { return false }
        defer { libssh2_agent_free(agent) }
        // libssh2 would read the process environment; the options' environment decides.
        libssh2_agent_set_identity_path(agent, socket)
        guard libssh2_agent_connect(agent) == 0 else {
            tried.append("ssh-agent (cannot connect to $SSH_AUTH_SOCK)")
            return false
        }
        defer { libssh2_agent_disconnect(agent) }
        guard libssh2_agent_list_identities(agent) == 0 else {
            tried.append("ssh-agent (cannot list keys)")
            return false
        }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var count = 0
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            if libssh2_agent_get_identity(agent, &identity, previous) != 0 { break }
            count += 1
            let rc = try handle.call("agent authentication", kind: .auth, deadline: deadline) {
                libssh2_agent_userauth(agent, user, identity)
            }
            if rc == 0 { return true }
            previous = identity
        }
        tried.append("ssh-agent (\(count) key\(count == 1 ? "" : "s") refused)")
        return false
    }

    private struct FileResult { var ok: Bool; var note: String; var rsaRefused: Bool }

    private func fileAuth(_ handle: SSHSessionHandle, path: String, deadline: Deadline) throws -> FileResult {
        let expanded = (path as NSString).expandingTildeInPath
        guard let contents = FileManager.default.contents(atPath: expanded) else {
            return FileResult(ok: false, note: "cannot read the file", rsaRefused: false)
        }
        let isRSA = PrivateKeyKind.isRSA(privateKey: contents, publicKey: FileManager.default.contents(atPath: expanded + ".pub"))
        var passphrase = environment["HOIST_SSH_PASSPHRASE"]
        var asked = false
        while true {
            let rc = try handle.call("public key authentication", kind: .auth, deadline: deadline) {
                libssh2_userauth_publickey_fromfile_ex(handle.raw, user, UInt32(user.utf8.count), nil, expanded, passphrase)
            }
            if rc == 0 { return FileResult(ok: true, note: "accepted", rsaRefused: false) }
            if rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED {
                // Probably encrypted: ask once on a terminal, as ssh does.
                if !asked, askPassphrase, isatty(0) != 0, let typed = getpass("Enter passphrase for \(path): ") {
                    passphrase = String(cString: typed)
                    asked = true
                    continue
                }
                return FileResult(ok: false, note: "cannot load the key (wrong or missing passphrase? set HOIST_SSH_PASSPHRASE): \(LibSSH2Runtime.lastError(handle.raw).text)", rsaRefused: false)
            }
            return FileResult(ok: false, note: isRSA ? "RSA key refused" : "refused", rsaRefused: isRSA)
        }
    }
}

/// Tells RSA private keys apart, for the hint about libssh2 1.10's SHA-1 RSA signatures.
enum PrivateKeyKind {
    static func isRSA(privateKey: Data, publicKey: Data?) -> Bool {
        if let publicKey, String(decoding: publicKey.prefix(16), as: UTF8.self).hasPrefix("ssh-rsa") { return true }
        let text = String(decoding: privateKey, as: UTF8.self)
        if text.contains("BEGIN RSA PRIVATE KEY") { return true }
        guard text.contains("BEGIN OPENSSH PRIVATE KEY") else { return false }
        // The OpenSSH format keeps the public key unencrypted near the start of the blob.
        let body = TextLines.lines(text).filter { !$0.hasPrefix("-----") }.joined()
        guard let blob = Data(base64Encoded: body) else { return false }
        return blob.prefix(300).range(of: Data("ssh-rsa".utf8)) != nil
    }
}
