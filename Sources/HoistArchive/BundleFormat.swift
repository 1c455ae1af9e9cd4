/// The kinds of revision Hoist reads and writes. Hosts unpack bundles with their own `tar` and
/// `unzip`, so only formats those tools handle everywhere are accepted.
public enum BundleFormat: String, Sendable, Hashable, Codable, CaseIterable {
    case directory
    case tar
    case tarGzip = "tar.gz"
    case tarZstd = "tar.zst"
    case zip

    /// The archive format a file name asks for, from its extension; nil when it names none.
    public init?(fileName: String) {
        let name = fileName.lowercased()
        if name.hasSuffix(".tar.gz") || name.hasSuffix(".tgz") {
            self = .tarGzip
        } else if name.hasSuffix(".tar.zst") || name.hasSuffix(".tzst") {
            self = .tarZstd
        } else if name.hasSuffix(".tar") {
            self = .tar
        } else if name.hasSuffix(".zip") {
            self = .zip
        } else {
            return nil
        }
    }

    /// The extensions `init(fileName:)` understands, for error messages.
    public static let knownExtensions = ".tar, .tar.gz, .tgz, .tar.zst, .zip"
}
