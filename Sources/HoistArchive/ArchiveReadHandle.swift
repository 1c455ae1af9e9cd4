import CLibArchive
import Foundation

/// Owns one libarchive read handle over a file on disk and frees it. Opened by file name so a
/// zip is read through its central directory where libarchive can; every member it reads
/// must be the one `unzip` lists at that place, or the zip is refused (`ZipIndexes`).
final class ArchiveReadHandle {
    let pointer: OpaquePointer
    let displayName: String
    /// Read size handed to libarchive; memory stays flat whatever the bundle's size.
    static let blockSize = 1 << 20

    init(path: String, displayName: String) throws {
        guard let handle = archive_read_new() else {
            throw BundleError.io(path: displayName, reason: "libarchive could not allocate a reader")
        }
        pointer = handle
        self.displayName = displayName
        self.path = path
        // Everything is recognised so that an unsupported format gets a precise message; the
        // caller refuses what hosts cannot unpack.
        archive_read_support_filter_all(handle)
        archive_read_support_format_all(handle)
        guard archive_read_open_filename(handle, path, Self.blockSize) == ARCHIVE_OK else {
            throw BundleError.unreadable(bundle: displayName, reason: errorText)
        }
    }

    deinit { archive_read_free(pointer) }

    var errorText: String {
        archive_error_string(pointer).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    /// The current entry's size when it is a sparse file (nil otherwise): its holes are data.
    private var sparseSize: Int64?
    /// The file read, for a zip's second look at its central directory (`ZipIndexes`).
    private let path: String
    private var headersRead = 0
    /// A zip's members as unzip lists them, once its first header is read.
    private var zipMembers: [ZipIndexes.Member]?

    /// The next header, nil at the end; throws on a corrupt or truncated archive.
    func nextEntry() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(pointer, &entry)
        if status == ARCHIVE_EOF {
            if let zipMembers, headersRead < zipMembers.count {
                throw refusedZip("libarchive read \(headersRead) of the \(zipMembers.count) members its central directory lists")
            }
            return nil
        }
        if status < ARCHIVE_WARN { throw BundleError.unreadable(bundle: displayName, reason: errorText) }
        // A warning about an entry's pax data means libarchive dropped some of it: a name of
        // a megabyte became its 100-byte ustar prefix, and that shorter name was validated and
        // installed where GNU tar reads the whole one. What a header says is never guessed.
        if status == ARCHIVE_WARN, errorText.lowercased().contains("pax") {
            throw BundleError.unreadable(bundle: displayName, reason: errorText)
        }
        sparseSize = entry.flatMap { archive_entry_sparse_count($0) > 0 ? archive_entry_size($0) : nil }
        headersRead += 1
        if headersRead == 1, archive_format(pointer) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP {
            switch ZipIndexes.listing(path: path) {
            case .success(let members): zipMembers = members
            case .failure(let refusal): throw refusedZip(refusal.reason)
            }
        }
        if let zipMembers, let entry { try compare(entry, with: zipMembers) }
        return entry
    }

    /// The member libarchive just read must be the one unzip lists at that place, under the
    /// same name and as a folder or not alike (`ZipIndexes`).
    private func compare(_ entry: OpaquePointer, with members: [ZipIndexes.Member]) throws {
        // A name libarchive cannot give as UTF-8 is refused as such (`EntryCollector`).
        guard let name = archive_entry_pathname(entry).map(RawEntryInfo.bytes) else { return }
        let shown = ZipIndexes.shown(name)
        guard headersRead <= members.count else {
            throw refusedZip("libarchive reads a member \(shown) its central directory does not list")
        }
        let listed = members[headersRead - 1]
        if listed.name != name {
            throw refusedZip("member \(headersRead) is \(ZipIndexes.shown(listed.name)) to unzip but \(shown) to libarchive")
        }
        if listed.isDirectory != (RawEntryInfo.FileType(modeBits: UInt32(archive_entry_filetype(entry))) == .directory) {
            throw refusedZip("member \(headersRead), \(shown), is \(listed.isDirectory ? "a folder" : "a file") to unzip but not to libarchive")
        }
    }

    private func refusedZip(_ reason: String) -> BundleError {
        .unreadable(bundle: displayName, reason: "the zip reads differently to unzip and the CodeDeploy agent than to Hoist: \(reason). "
            + "Make the zip again (zip -r, or hoist bundle DIR -o FILE.zip)")
    }

    /// Reads the current entry's data in blocks, handing each to `body`; `body` returns false to
    /// stop early. Returns the number of bytes read. The holes of a sparse file come as zeros,
    /// so its data is the plain file a host would unpack.
    @discardableResult
    func readData(_ body: (UnsafeRawBufferPointer) -> Bool) throws -> Int64 {
        var total: Int64 = 0
        let zeros = [UInt8](repeating: 0, count: 64 << 10)
        func zeroFill(to offset: Int64) -> Bool {
            while total < offset {
                let count = Int(min(Int64(zeros.count), offset - total))
                total += Int64(count)
                if !zeros.withUnsafeBytes({ body(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }) { return false }
            }
            return true
        }
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(pointer, &block, &size, &offset)
            if status == ARCHIVE_EOF {
                if let sparseSize { _ = zeroFill(to: sparseSize) }
                return total
            }
            if status < ARCHIVE_WARN { throw BundleError.unreadable(bundle: displayName, reason: errorText) }
            // A zip member whose data fails its CRC is only a warning to libarchive; unzip stops.
            if status == ARCHIVE_WARN, zipMembers != nil { throw BundleError.unreadable(bundle: displayName, reason: errorText) }
            guard zeroFill(to: Int64(offset)) else { return total }
            guard size > 0, let block else { continue }
            total += Int64(size)
            if !body(UnsafeRawBufferPointer(start: block, count: size)) { return total }
        }
    }

    /// The detected format, refused unless hosts can unpack it with stock tar or unzip.
    func bundleFormat() throws -> BundleFormat {
        let format = archive_format(pointer)
        let filter = archive_filter_code(pointer, 0)
        let base = format & ARCHIVE_FORMAT_BASE_MASK
        switch (base, filter) {
        case (ARCHIVE_FORMAT_TAR, ARCHIVE_FILTER_NONE): return .tar
        case (ARCHIVE_FORMAT_TAR, ARCHIVE_FILTER_GZIP): return .tarGzip
        case (ARCHIVE_FORMAT_TAR, ARCHIVE_FILTER_ZSTD): return .tarZstd
        case (ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE): return .zip
        default:
            let formatName = archive_format_name(pointer).map { String(cString: $0) } ?? "unknown format"
            let filterName = archive_filter_name(pointer, 0).map { String(cString: $0) } ?? "none"
            throw BundleError.unsupportedFormat(
                bundle: displayName, detected: filter == ARCHIVE_FILTER_NONE ? formatName : "\(formatName), \(filterName)")
        }
    }
}

extension RawEntryInfo {
    /// Reads a libarchive header. The multibyte (`char *`) accessors are used, not the wide
    /// ones, so the name's bytes are exactly what the archive stores.
    init(entry: OpaquePointer) {
        // NULL when libarchive could not convert the stored name into UTF-8 (the locale we pin):
        // the name is then not valid UTF-8, and the wide form is only used to show it.
        let stored = archive_entry_pathname(entry).map { Self.bytes($0) }
        let name = stored ?? archive_entry_pathname_w(entry).map { Self.wideBytes($0) } ?? []
        let hardlink = archive_entry_hardlink(entry).map { Self.bytes($0) }
        if let hardlink {
            self.init(pathBytes: name, type: .hardlink, linkTargetBytes: hardlink, mode: UInt32(archive_entry_perm(entry)))
        } else {
            let type = FileType(modeBits: UInt32(archive_entry_filetype(entry)))
            let symlink = type == .symlink ? archive_entry_symlink(entry).map { Self.bytes($0) } : nil
            self.init(pathBytes: name, type: type, linkTargetBytes: symlink, mode: UInt32(archive_entry_perm(entry)))
        }
        if archive_entry_size_is_set(entry) != 0 { size = archive_entry_size(entry) }
        if archive_entry_mtime_is_set(entry) != 0 { modificationTime = Int64(archive_entry_mtime(entry)) }
        nameIsUnconvertible = stored == nil
    }

    /// Bytes of a wide string for display only: each character that is not a Unicode scalar is
    /// kept as a single (invalid) byte so it shows as `\xNN`.
    static func wideBytes(_ wide: UnsafePointer<wchar_t>) -> [UInt8] {
        var bytes: [UInt8] = []
        var cursor = wide
        while cursor.pointee != 0 {
            if let scalar = Unicode.Scalar(UInt32(bitPattern: cursor.pointee)) {
                bytes.append(contentsOf: Array(String(scalar).utf8))
            } else {
                bytes.append(UInt8(truncatingIfNeeded: cursor.pointee))
            }
            cursor += 1
        }
        return bytes
    }

    static func bytes(_ cString: UnsafePointer<CChar>) -> [UInt8] {
        Array(UnsafeBufferPointer(start: cString, count: strlen(cString))).map { UInt8(bitPattern: $0) }
    }
}
