import CLibCrypto

/// SHA-256, streaming, from the OpenSSL libcrypto that libssh2 already links. Hoist used to
/// take it from swift-crypto, whose bundled BoringSSL (360 C files) was about half of a first
/// build; the digests are the same bytes (docs/building.md has the measurement).
public final class SHA256Hasher {
    public static let byteCount = 32
    private let context: OpaquePointer

    public init() {
        // Fails only when memory is exhausted, as any allocation would.
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest; the hasher is spent afterwards.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Self.byteCount)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }

    /// SHA-256 of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// HMAC-SHA-1, for OpenSSH's hashed known_hosts names (`|1|salt|hash`).
public enum HMACSHA1 {
    public static func code(key: [UInt8], message: [UInt8]) -> [UInt8] { hmac(EVP_sha1(), 20, key: key, message: message) }
}

/// HMAC-SHA-256, for the signature on a webhook's body.
public enum HMACSHA256 {
    public static func code(key: [UInt8], message: [UInt8]) -> [UInt8] { hmac(EVP_sha256(), 32, key: key, message: message) }
}

private func hmac(_ digest: OpaquePointer?, _ size: Int, key: [UInt8], message: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: size)
    var length: UInt32 = 0
    key.withUnsafeBytes { keyBytes in
        message.withUnsafeBufferPointer { messageBytes in
            _ = HMAC(digest, keyBytes.baseAddress, Int32(key.count), messageBytes.baseAddress, message.count, &out, &length)
        }
    }
    return out
}

/// Lower-case hex, the form Hoist shows and stores digests in.
public enum HexText {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
