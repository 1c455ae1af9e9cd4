/// An archive entry exactly as written, with no checks: the low-level escape hatch tests use to
/// build hostile archives, and what `BundleWriter` fills from a directory walk.
public struct RawEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case file
        case directory
        case symlink(target: [UInt8])
        /// `target` is the other entry's path from the archive root.
        case hardlink(target: [UInt8])
        case characterDevice, blockDevice, fifo, socket
    }

    /// The stored name; raw bytes so tests can write names that are not UTF-8.
    public var pathBytes: [UInt8]
    public var kind: Kind
    public var mode: UInt32
    /// Declared data size. `ArchiveWriter.add(_:contents:)` sets it from the contents.
    public var size: Int64
    public var modificationTime: Int64
    public var ownerID: Int64
    public var groupID: Int64
    public var ownerName: String?
    public var groupName: String?

    public init(
        pathBytes: [UInt8], kind: Kind, mode: UInt32 = 0o644, size: Int64 = 0,
        modificationTime: Int64 = 0, ownerID: Int64 = 0, groupID: Int64 = 0,
        ownerName: String? = nil, groupName: String? = nil
    ) {
        self.pathBytes = pathBytes
        self.kind = kind
        self.mode = mode
        self.size = size
        self.modificationTime = modificationTime
        self.ownerID = ownerID
        self.groupID = groupID
        self.ownerName = ownerName
        self.groupName = groupName
    }

    public init(path: String, kind: Kind, mode: UInt32 = 0o644, size: Int64 = 0) {
        self.init(pathBytes: Array(path.utf8), kind: kind, mode: mode, size: size)
    }

    /// `S_IFMT` bits for libarchive (its AE_IF* macros are casts Swift cannot import).
    var typeBits: UInt32 {
        switch kind {
        case .file, .hardlink: return 0o100000
        case .directory: return 0o040000
        case .symlink: return 0o120000
        case .characterDevice: return 0o020000
        case .blockDevice: return 0o060000
        case .fifo: return 0o010000
        case .socket: return 0o140000
        }
    }
}
