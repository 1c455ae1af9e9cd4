import Crypto
import Foundation

/// The signature a webhook receiver checks: `sha256=` and the hex HMAC-SHA256 of the exact
/// body, keyed by the shared secret, in the `X-Hoist-Signature-256` header (GitHub's scheme,
/// so existing verification code works with the header name changed).
public enum WebhookSignature {
    public static let header = "X-Hoist-Signature-256"

    public static func value(body: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}
