/// One entry of a revision bundle as the archive reader lists it; the install planner works
/// from these lists, so it never needs the unpacked tree on disk.
public struct BundleEntry: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable {
        case file
        case directory
        /// A symbolic link and its link text, recreated as-is (never followed).
        case symlink(target: String)
    }

    /// Relative, "/"-separated, no leading "./" and no trailing "/".
    public var path: String
    public var kind: Kind
    public var mode: UInt32
    public var size: Int64

    public init(path: String, kind: Kind, mode: UInt32 = 0o644, size: Int64 = 0) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.size = size
    }
}
