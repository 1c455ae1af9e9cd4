import HoistDigest

/// A bundle's SHA-256, with a read failure reported as a `BundleError` naming the bundle.
enum FileDigest {
    static func sha256(path: String, displayName: String) throws -> String {
        do {
            return try FileSHA256.hex(path: path)
        } catch {
            throw BundleError.io(path: displayName, reason: error.reason)
        }
    }
}
