import HoistCore
import CLibSSH2

/// The host key algorithms Hoist knows, with the names each side of libssh2 uses for them.
enum HostKeyType: CaseIterable, Sendable {
    case ed25519, ecdsa256, ecdsa384, ecdsa521, rsa

    init?(libssh2HostKeyType type: Int32) {
        switch type {
        case LIBSSH2_HOSTKEY_TYPE_ED25519: self = .ed25519
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: self = .ecdsa256
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: self = .ecdsa384
        case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: self = .ecdsa521
        case LIBSSH2_HOSTKEY_TYPE_RSA: self = .rsa
        default: return nil
        }
    }

    /// The name in known_hosts lines and key blobs.
    var name: String {
        switch self {
        case .ed25519: return "ssh-ed25519"
        case .ecdsa256: return "ecdsa-sha2-nistp256"
        case .ecdsa384: return "ecdsa-sha2-nistp384"
        case .ecdsa521: return "ecdsa-sha2-nistp521"
        case .rsa: return "ssh-rsa"
        }
    }

    /// The name `ssh-keyscan -t` takes.
    var keyscanName: String {
        switch self {
        case .ed25519: return "ed25519"
        case .ecdsa256, .ecdsa384, .ecdsa521: return "ecdsa"
        case .rsa: return "rsa"
        }
    }

    /// The LIBSSH2_METHOD_HOSTKEY names that negotiate this key type.
    var methodNames: [String] {
        switch self {
        case .rsa: return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        default: return [name]
        }
    }

    var knownHostBits: Int32 {
        switch self {
        case .ed25519: return LIBSSH2_KNOWNHOST_KEY_ED25519
        case .ecdsa256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256
        case .ecdsa384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384
        case .ecdsa521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521
        case .rsa: return LIBSSH2_KNOWNHOST_KEY_SSHRSA
        }
    }

    /// The host key preference: types already in known_hosts for this host first (so the key
    /// checked is one we can compare), then ed25519, ECDSA, RSA.
    static func methodPreference(known: [HostKeyType]) -> String {
        let ordered = known + allCases.filter { !known.contains($0) }
        return ordered.flatMap(\.methodNames).joined(separator: ",")
    }
}
