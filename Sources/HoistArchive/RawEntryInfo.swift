/// An entry as it comes out of an archive header or a directory walk, before any checking.
/// Names stay raw bytes so invalid UTF-8 is seen, not silently replaced.
struct RawEntryInfo {
    enum FileType: Equatable {
        case file, directory, symlink, hardlink
        case characterDevice, blockDevice, fifo, socket, unknown(UInt32)

        /// From the `S_IFMT` bits of a mode (libarchive's AE_IF* macros are casts Swift cannot
        /// import; their values are the POSIX ones).
        init(modeBits: UInt32) {
            switch modeBits & 0o170000 {
            case 0o100000: self = .file
            case 0o040000: self = .directory
            case 0o120000: self = .symlink
            case 0o020000: self = .characterDevice
            case 0o060000: self = .blockDevice
            case 0o010000: self = .fifo
            case 0o140000: self = .socket
            default: self = .unknown(modeBits & 0o170000)
            }
        }
    }

    var pathBytes: [UInt8]
    var type: FileType
    /// Symlink text, or for hardlinks the target's path from the archive root.
    var linkTargetBytes: [UInt8]?
    var mode: UInt32
    /// Unpacked size, nil when the header does not say.
    var size: Int64?
    /// Seconds since the epoch, as stored (0 when the archive gives none).
    var modificationTime: Int64 = 0
    /// libarchive could not turn the stored name into UTF-8; `pathBytes` is then a best guess.
    var nameIsUnconvertible = false
}
