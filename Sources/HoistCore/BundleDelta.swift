/// A bundle sent as its differences from a bundle the host already holds (docs/bundles.md,
/// "Delta uploads"). A new release of a real application changes a few of its files, so
/// sending the whole bundle again to every host costs each host's link, the coordinator's
/// encryption and each sshd's decryption for bytes the host has. The host rebuilds the
/// bundle from the one it holds and this stream (`BundleDeltaApplier`), and the upload's own
/// check still holds: the rebuilt file is put in place only when its SHA-256 is the new
/// bundle's.
///
/// The stream is lines of ASCII with raw bytes between them:
/// - `C OFFSET LENGTH`: copy LENGTH bytes of the held bundle, from OFFSET;
/// - `D LENGTH`, then LENGTH bytes: these bytes;
/// - `E`: the end (a stream cut short has none, and the host's rebuild fails).
public struct BundleDelta: Sendable, Hashable {
    /// The local file holding the stream.
    public var path: String
    public var size: Int64
    /// The digest of the bundle it applies to.
    public var baseSHA256: String

    public init(path: String, size: Int64, baseSHA256: String) {
        self.path = path
        self.size = size
        self.baseSHA256 = baseSHA256
    }
}
