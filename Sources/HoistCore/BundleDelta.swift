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
    /// The host that bundle was read from, when the coordinator's cache did not hold it
    /// (`HeldBundleSource`); nil when the cache did.
    public var baseReadFrom: String?

    public init(path: String, size: Int64, baseSHA256: String, baseReadFrom: String? = nil) {
        self.path = path
        self.size = size
        self.baseSHA256 = baseSHA256
        self.baseReadFrom = baseReadFrom
    }
}

/// Where to read a bundle a host holds when the coordinator's cache does not hold it: a
/// team's second laptop, or a CI runner that starts with an empty cache, did not build the
/// previous release. It is read back once per bundle, from the first host that asks, not once
/// per host: a thousand hosts holding the previous release cost one download.
public struct HeldBundleSource: Sendable {
    /// The host it is read from, for DownloadBundle's message.
    public var host: String
    /// Copies the held bundle into the local file at the given path, at most the given bytes
    /// (`HostSession.download`).
    public var read: @Sendable (_ localPath: String, _ maxBytes: Int64) async throws -> Void

    public init(host: String, read: @escaping @Sendable (String, Int64) async throws -> Void) {
        self.host = host
        self.read = read
    }
}
