import HoistCore

/// What Hoist knows about a revision without unpacking it: its safe listing as hosts will see it
/// (after the leading-directory strip), the AppSpec text, and the archive's digest.
public struct BundleInspection: Sendable, Hashable, Codable {
    public var format: BundleFormat
    /// Entries after the strip, in bundle order (directory revisions: bytewise path order).
    public var entries: [BundleEntry]
    /// The single leading directory removed, as CodeDeploy's agent does; nil when none.
    public var strippedPrefix: String?
    /// `appspec.yml` or `appspec.yaml` (the first present, at the root after the strip).
    public var appSpecName: String?
    /// The AppSpec's text; nil when there is none or it is not a regular file.
    public var appSpecText: String?
    /// Lowercase hex SHA-256 of the archive file's bytes. Nil for a directory revision: it has
    /// no bytes of its own; hash the archive `BundleWriter.write` builds from it instead.
    public var sha256: String?
    /// Sum of file sizes once unpacked.
    public var expandedSize: Int64
    /// Entries in the bundle as stored, before the strip (the root `.` entry not counted).
    public var entryCount: Int
    /// Entry path → the entry whose data it repeats: hardlinks, and the copies under a
    /// symlink to a directory, which is listed (and sent) as a real directory, as the
    /// CodeDeploy agent installs it.
    public var copies: [String: String] = [:]
    /// Each symlink that was expanded into a directory → the directory it points at.
    public var expandedLinks: [String: String] = [:]

    public init(
        format: BundleFormat, entries: [BundleEntry], strippedPrefix: String?, appSpecName: String?,
        appSpecText: String?, sha256: String?, expandedSize: Int64, entryCount: Int
    ) {
        self.format = format
        self.entries = entries
        self.strippedPrefix = strippedPrefix
        self.appSpecName = appSpecName
        self.appSpecText = appSpecText
        self.sha256 = sha256
        self.expandedSize = expandedSize
        self.entryCount = entryCount
    }
}
