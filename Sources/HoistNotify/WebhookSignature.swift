import HoistDigest

/// The signature a webhook receiver checks: `sha256=` and the hex HMAC-SHA256 of the exact
/// body, keyed by the shared secret, in the `X-Hoist-Signature-256` header (GitHub's scheme,
/// so existing verification code works with the header name changed).
public enum WebhookSignature {
    public static let header = "X-Hoist-Signature-256"

    public static func value(body: String, secret: String) -> String {
        "sha256=" + HexText.encode(HMACSHA256.code(key: Array(secret.utf8), message: Array(body.utf8)))
    }
}
