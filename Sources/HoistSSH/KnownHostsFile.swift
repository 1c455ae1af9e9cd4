import HoistDigest
import Foundation
import HoistCore

/// Reads known_hosts text to find which line holds a host's key, so that a changed-key error
/// can say what to fix. libssh2 checks keys but does not report line numbers.
struct KnownHostsFile {
    let text: String

    /// The 1-based line whose host field names `address` (at `port`) with this key type and
    /// key, plain or hashed (`|1|salt|hash`).
    func lineNumber(address: String, port: Int, keyType: String, keyBase64: String?) -> Int? {
        entry(address: address, port: port, keyType: keyType, keyBase64: keyBase64)?.line
    }

    /// The first entry for `address` (at `port`) with this key type (and key, when given):
    /// its 1-based line and its base64 key.
    func entry(address: String, port: Int, keyType: String, keyBase64: String?) -> (line: Int, key: String)? {
        let names = port == 22 ? [address] : ["[\(address)]:\(port)", address]
        for (index, line) in TextLines.lines(text).enumerated() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 3, !fields[0].hasPrefix("#"), !fields[0].hasPrefix("@") else { continue }
            guard fields[1] == keyType, keyBase64 == nil || fields[2] == keyBase64 else { continue }
            if names.contains(where: { KnownHostsFile.hostField(fields[0], matches: $0) }) { return (index + 1, fields[2]) }
        }
        return nil
    }

    static func hostField(_ field: String, matches name: String) -> Bool {
        if field.hasPrefix("|1|") {
            let parts = field.split(separator: "|")
            guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
                let hash = Data(base64Encoded: String(parts[2])) else { return false }
            return Data(HMACSHA1.code(key: Array(salt), message: Array(name.utf8))) == hash
        }
        return field.split(separator: ",").contains { $0 == name }
    }

    /// OpenSSH's fingerprint: `SHA256:` and the unpadded base64 of the key blob's digest.
    static func fingerprint(ofKeyBlob blob: Data) -> String {
        let digest = Data(SHA256Hasher.hash(Array(blob))).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// The host field OpenSSH writes for this address and port.
    static func hostName(address: String, port: Int) -> String {
        port == 22 ? address : "[\(address)]:\(port)"
    }
}
