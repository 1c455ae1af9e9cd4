/// One entry of a revision bundle, as the install planner sees it.
public struct BundleEntry: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable { case file, directory, symlink(target: String) }
    public var path: String      // relative, "/"-separated, no leading "./", no trailing "/"
    public var kind: Kind
    public var mode: UInt32      // permission bits (0o7777 mask)
    public var size: Int64
    public init(path: String, kind: Kind, mode: UInt32, size: Int64) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.size = size
    }
}
