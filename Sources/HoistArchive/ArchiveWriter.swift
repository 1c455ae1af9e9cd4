import CLibArchive
import Foundation

/// Writes an archive file entry by entry with libarchive, set up to be reproducible: restricted
/// pax (extended headers only when a name or size needs one), no atime/ctime, gzip without a
/// timestamp. It checks nothing; `BundleWriter` is the safe way in.
public final class ArchiveWriter {
    let pointer: OpaquePointer
    private let displayName: String
    private var closed = false

    /// Opens `path` for writing in `format` (not `.directory`).
    public init(path: String, format: BundleFormat) throws {
        guard let handle = archive_write_new() else {
            throw BundleError.io(path: path, reason: "libarchive could not allocate a writer")
        }
        pointer = handle
        displayName = path
        try configure(format)
        try check(archive_write_open_filename(handle, path))
    }

    /// A writer onto the file system (`archive_write_disk`) with the given extract flags; entry
    /// names must then be the full destination paths.
    init(diskFlags: Int32, displayName: String) throws {
        guard let handle = archive_write_disk_new() else {
            throw BundleError.io(path: displayName, reason: "libarchive could not allocate a disk writer")
        }
        pointer = handle
        self.displayName = displayName
        try check(archive_write_disk_set_options(handle, diskFlags))
    }

    /// Writes an archive to a temporary name next to `output` and renames it into place only
    /// once `body` and the close succeeded, so `output` is never a partial archive.
    static func atomically(_ output: String, format: BundleFormat, _ body: (ArchiveWriter) throws -> Void) throws {
        let temporary = output + ".partial-\(getpid())"
        do {
            let writer = try ArchiveWriter(path: temporary, format: format)
            try body(writer)
            try writer.close()
            guard rename(temporary, output) == 0 else {
                throw BundleError.io(path: output, reason: "cannot move the finished archive into place: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    deinit {
        if !closed { archive_write_close(pointer) }
        archive_write_free(pointer)
    }

    private func configure(_ format: BundleFormat) throws {
        switch format {
        case .tar:
            try check(archive_write_set_format_pax_restricted(pointer))
        case .tarGzip:
            try check(archive_write_set_format_pax_restricted(pointer))
            try check(archive_write_add_filter_gzip(pointer))
            // The gzip header would otherwise carry the current time.
            try check(archive_write_set_filter_option(pointer, "gzip", "timestamp", nil))
        case .tarZstd:
            try check(archive_write_set_format_pax_restricted(pointer))
            try check(archive_write_add_filter_zstd(pointer))
        case .zip:
            try check(archive_write_set_format_zip(pointer))
        case .directory:
            throw BundleError.unknownOutputFormat(path: displayName)
        }
    }

    /// Writes one entry whose data is all of `contents`.
    public func add(_ entry: RawEntry, contents: [UInt8] = []) throws {
        var sized = entry
        if case .file = entry.kind { sized.size = Int64(contents.count) }
        try UTF8Locale.run {
            try writeHeader(sized)
            if !contents.isEmpty { try contents.withUnsafeBytes { try writeData($0) } }
        }
    }

    public func close() throws {
        guard !closed else { return }
        closed = true
        try UTF8Locale.run { try check(archive_write_close(pointer)) }
    }

    func writeHeader(_ raw: RawEntry) throws {
        guard let entry = archive_entry_new() else {
            throw BundleError.io(path: displayName, reason: "libarchive could not allocate an entry")
        }
        defer { archive_entry_free(entry) }
        DirectoryScanner.withCString(raw.pathBytes) { archive_entry_copy_pathname(entry, $0) }
        archive_entry_set_mode(entry, mode_t(raw.typeBits | (raw.mode & 0o7777)))
        switch raw.kind {
        case .file: archive_entry_set_size(entry, raw.size)
        case .symlink(let target):
            DirectoryScanner.withCString(target) { archive_entry_copy_symlink(entry, $0) }
            archive_entry_set_size(entry, 0)
        case .hardlink(let target):
            DirectoryScanner.withCString(target) { archive_entry_copy_hardlink(entry, $0) }
            archive_entry_set_size(entry, 0)
        default: archive_entry_set_size(entry, 0)
        }
        archive_entry_set_mtime(entry, time_t(raw.modificationTime), 0)
        archive_entry_unset_atime(entry)
        archive_entry_unset_ctime(entry)
        archive_entry_unset_birthtime(entry)
        archive_entry_set_uid(entry, raw.ownerID)
        archive_entry_set_gid(entry, raw.groupID)
        if let name = raw.ownerName { archive_entry_copy_uname(entry, name) }
        if let name = raw.groupName { archive_entry_copy_gname(entry, name) }
        try check(archive_write_header(pointer, entry))
    }

    func writeData(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(pointer, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 { throw BundleError.io(path: displayName, reason: errorText) }
            if written == 0 { break }
            offset += written
        }
    }

    func finishEntry() throws {
        try check(archive_write_finish_entry(pointer))
    }

    var errorText: String {
        archive_error_string(pointer).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    private func check(_ status: Int32) throws {
        if status < ARCHIVE_WARN { throw BundleError.io(path: displayName, reason: errorText) }
    }
}
