import Foundation
import HoistCore

/// The one archive hosts receive: a plain tar the coordinator writes itself from the revision
/// it read and checked, so that a host unpacks exactly the validated listing and nothing
/// else. Whatever the revision was (a directory, tar, tar.gz, tar.zst or zip), the result
/// is a restricted-pax tar holding only directories, regular files and symlinks that stay
/// inside the revision, with the leading directory already stripped, hardlinks and links to
/// directories written out as copies, owners 0/0 and no global headers, sparse files or
/// extensions a host's tar could read differently from libarchive.
///
/// The revision is read a second time to write it, and every entry must match the listing
/// the first read produced (name, kind, mode, size, link text, the AppSpec's bytes): a
/// revision that changed in between is refused, never half sent. The same listing gives the
/// same bytes, so the digest identifies what hosts hold.
public enum CanonicalBundle {
    /// The archive written.
    public struct Written: Sendable, Hashable {
        public var path: String
        public var sha256: String
        public var size: Int64
    }

    /// Writes the canonical tar of `revision` (a directory or archive, already inspected as
    /// `inspection`) to `output`, atomically.
    public static func write(revision: String, inspection: BundleInspection, to output: String,
                             limits: BundleLimits = .default) throws -> Written {
        try UTF8Locale.run { try writeInLocale(revision: revision, inspection: inspection, to: output, limits: limits) }
    }

    private static func writeInLocale(revision: String, inspection: BundleInspection, to output: String,
                                      limits: BundleLimits) throws -> Written {
        let spool = output + ".spool-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: spool) }
        try ArchiveWriter.atomically(output, format: .tar) { writer in
            var copier = CanonicalCopier(revision: revision, inspection: inspection, limits: limits, writer: writer, spool: spool)
            if inspection.format == .directory {
                for item in try DirectoryScanner.scan(root: revision) {
                    try copier.take(item.raw, modificationTime: item.modificationTime, data: .file(item.absolutePath))
                }
            } else {
                let reader = try ArchiveReadHandle(path: revision, displayName: revision)
                while let entry = try reader.nextEntry() {
                    let raw = RawEntryInfo(entry: entry)
                    try copier.take(raw, modificationTime: raw.modificationTime, data: .archive(reader))
                }
            }
            try copier.writeCopies()
        }
        var info = stat()
        stat(output, &info)
        return Written(path: output, sha256: try FileDigest.sha256(path: output, displayName: output), size: Int64(info.st_size))
    }
}

/// Where an entry's data is read from on the second pass.
enum EntryData {
    /// The current entry of an archive being read.
    case archive(ArchiveReadHandle)
    /// A file on disk (a directory revision's file, or a spooled copy).
    case file([UInt8])
}

/// The second pass of `CanonicalBundle`: checks each entry against the listing and writes it.
struct CanonicalCopier {
    let revision: String
    let inspection: BundleInspection
    let writer: ArchiveWriter
    let spool: String
    private var collector: EntryCollector
    private var indexByPath: [String: Int] = [:]
    /// Originals whose data a copy repeats, so it is kept (spooled) when read from an archive.
    private let copySources: Set<String>
    private var sourceData: [String: [UInt8]] = [:]
    private var modificationTimes: [String: Int64] = [:]
    private var written: Set<String> = []
    private var appSpecBytes: [UInt8]?

    init(revision: String, inspection: BundleInspection, limits: BundleLimits, writer: ArchiveWriter, spool: String) {
        self.revision = revision
        self.inspection = inspection
        self.writer = writer
        self.spool = spool
        collector = EntryCollector(limits: limits)
        for (index, entry) in inspection.entries.enumerated() { indexByPath[entry.path] = index }
        copySources = Set(inspection.copies.values)
    }

    mutating func take(_ raw: RawEntryInfo, modificationTime: Int64, data: EntryData) throws {
        let accepted = collector.add(raw)
        if let problem = collector.problems.first { throw changed(problem.description) }
        guard let accepted, let path = LeadingDirectory.stripped(inspection.strippedPrefix, accepted) else { return }
        guard let index = indexByPath[path] else { throw changed("\"\(EntryName.display(path))\" was not in it when it was checked") }
        let listed = inspection.entries[index]
        let display = EntryName.display(path)
        guard raw.mode & 0o7777 == listed.mode || raw.type == .symlink else { throw changed("the mode of \"\(display)\" changed") }
        modificationTimes[path] = modificationTime
        switch (raw.type, listed.kind) {
        case (.directory, .directory):
            try header(listed, modificationTime: modificationTime)
        case (.symlink, .directory) where inspection.expandedLinks[path] != nil:
            try header(listed, modificationTime: modificationTime)
        case (.symlink, .symlink(let text)) where raw.linkTargetBytes == Array(text.utf8):
            try header(listed, modificationTime: modificationTime)
        case (.hardlink, .file) where inspection.copies[path] != nil:
            return  // written with the copies, from the file it names
        case (.file, .file) where inspection.copies[path] == nil:
            try header(listed, modificationTime: modificationTime)
            try copyData(of: listed, from: data)
            try writer.finishEntry()
        default:
            throw changed("\"\(display)\" is no longer what it was when it was checked")
        }
        written.insert(path)
    }

    /// Writes every listed entry not read from the revision itself: hardlinks and the
    /// contents of expanded links. Every listed entry must then have been written.
    mutating func writeCopies() throws {
        if let name = inspection.appSpecName, let text = inspection.appSpecText, appSpecBytes != Array(text.utf8) {
            throw changed("its \(name) is not the one that was checked")
        }
        for entry in inspection.entries where !written.contains(entry.path) {
            if entry.kind == .file {
                guard let source = inspection.copies[entry.path], let location = sourceData[source] else {
                    throw changed("\"\(EntryName.display(entry.path))\" was not found in it")
                }
                try header(entry, modificationTime: modificationTimes[source] ?? 0)
                try copyData(of: entry, from: .file(location))
                try writer.finishEntry()
            } else if isBelowExpandedLink(entry.path) {
                try header(entry, modificationTime: 0)
            } else {
                throw changed("\"\(EntryName.display(entry.path))\" was not found in it")
            }
            written.insert(entry.path)
        }
    }

    private func isBelowExpandedLink(_ path: String) -> Bool {
        EntryPath.ancestors(of: path).contains { inspection.expandedLinks[$0] != nil }
    }

    private func header(_ entry: BundleEntry, modificationTime: Int64) throws {
        let kind: RawEntry.Kind
        switch entry.kind {
        case .file: kind = .file
        case .directory: kind = .directory
        case .symlink(let text): kind = .symlink(target: Array(text.utf8))
        }
        try writer.writeHeader(RawEntry(
            pathBytes: Array(entry.path.utf8), kind: kind, mode: entry.kind == .directory || entry.kind == .file ? entry.mode : 0o777,
            size: entry.size, modificationTime: modificationTime))
        if entry.kind != .file { try writer.finishEntry() }
    }

    /// Streams exactly the listed size; more or less data means the revision changed (or, for
    /// a zip, that its headers lied), and nothing more than was checked is ever sent.
    private mutating func copyData(of entry: BundleEntry, from data: EntryData) throws {
        var remaining = entry.size
        var overflow = false
        var spoolFile: UnsafeMutablePointer<FILE>?
        if copySources.contains(entry.path), case .archive = data {
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
            let location = spool + "/\(sourceData.count)"
            spoolFile = fopen(location, "wb")
            guard spoolFile != nil else { throw BundleError.io(path: location, reason: "cannot write a spool file: \(String(cString: strerror(errno)))") }
            sourceData[entry.path] = Array(location.utf8)
        } else if copySources.contains(entry.path), case .file(let path) = data {
            sourceData[entry.path] = path
        }
        defer { if let spoolFile { fclose(spoolFile) } }
        var capture = entry.path == inspection.appSpecName ? [UInt8]() : nil
        var writeError: Error?
        let body: (UnsafeRawBufferPointer) -> Bool = { block in
            guard Int64(block.count) <= remaining else {
                overflow = true
                return false
            }
            do {
                try writer.writeData(block)
                if let spoolFile, fwrite(block.baseAddress, 1, block.count, spoolFile) != block.count {
                    throw BundleError.io(path: spool, reason: "cannot write a spool file: \(String(cString: strerror(errno)))")
                }
            } catch {
                writeError = error
                return false
            }
            capture?.append(contentsOf: block)
            remaining -= Int64(block.count)
            return true
        }
        switch data {
        case .archive(let reader): try reader.readData(body)
        case .file(let path):
            // The scan found it readable: a file that cannot be opened or read now was
            // removed or changed while it was bundled.
            do {
                try FileBlocks.read(path, body)
            } catch BundleError.io(let file, let reason) {
                throw changed("\"\(file)\" cannot be read any more (\(reason))")
            }
        }
        if let writeError { throw writeError }
        if overflow || remaining != 0 {
            throw changed("\"\(EntryName.display(entry.path))\" does not hold the \(entry.size) bytes listed for it")
        }
        if let capture { appSpecBytes = capture }
    }

    private func changed(_ reason: String) -> BundleError {
        .changed(bundle: revision, reason: reason)
    }
}

/// Reads a file in 1 MiB blocks without following a symlink at its name.
enum FileBlocks {
    static func read(_ path: [UInt8], _ body: (UnsafeRawBufferPointer) -> Bool) throws {
        let display = EntryName.display(path)
        let descriptor = DirectoryScanner.withCString(path) { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard descriptor >= 0 else {
            throw BundleError.io(path: display, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let blockSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, blockSize)
            if count == 0 { return }
            if count < 0 {
                if errno == EINTR { continue }
                throw BundleError.io(path: display, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if !body(UnsafeRawBufferPointer(rebasing: buffer.prefix(count))) { return }
        }
    }
}
