import Foundation
import HoistCore

/// Builds a reproducible archive from a directory revision: the same tree gives the same bytes
/// whatever its mtimes and owners, so a bundle's SHA-256 identifies a revision. `hoist bundle`
/// and the deployer (for directory revisions) both call this.
public enum BundleWriter {
    /// Validates `directory` exactly as `BundleReader` validates an archive (throwing every
    /// problem before anything is written), then writes `output` atomically.
    /// `format` defaults to the one `output`'s extension names.
    @discardableResult
    public static func write(
        directory: String, to output: String, format: BundleFormat? = nil,
        options: BundleWriteOptions = BundleWriteOptions()
    ) throws -> BundleWriteResult {
        try UTF8Locale.run { try writeInLocale(directory: directory, to: output, format: format, options: options) }
    }

    private static func writeInLocale(
        directory: String, to output: String, format: BundleFormat?, options: BundleWriteOptions
    ) throws -> BundleWriteResult {
        guard let format = format ?? BundleFormat(fileName: output), format != .directory else {
            throw BundleError.unknownOutputFormat(path: output)
        }
        var info = stat()
        guard stat(directory, &info) == 0, UInt32(info.st_mode) & 0o170000 == 0o040000 else {
            throw BundleError.notFound(path: directory)
        }
        try refuseOutputInside(directory: directory, output: output)
        var (inspection, scanned) = try BundleReader.inspectDirectory(directory, limits: options.limits)
        if options.requireAppSpec, inspection.appSpecName == nil {
            throw BundleError.missingAppSpec(bundle: directory)
        }

        try ArchiveWriter.atomically(output, format: format) { writer in
            for item in scanned {
                try writeEntry(item, named: item.raw.pathBytes, options: options, into: writer)
            }
        }
        inspection.format = format
        inspection.sha256 = try FileDigest.sha256(path: output, displayName: output)
        return BundleWriteResult(path: output, format: format, sha256: inspection.sha256!, inspection: inspection)
    }

    /// Writes one scanned entry under `name`, streaming a file's data in blocks. Shared with
    /// extraction of directory revisions, which writes to disk instead of to an archive.
    static func writeEntry(_ item: ScannedEntry, named name: [UInt8], options: BundleWriteOptions, into writer: ArchiveWriter) throws {
        let kind: RawEntry.Kind
        switch item.raw.type {
        case .file: kind = .file
        case .directory: kind = .directory
        case .symlink: kind = .symlink(target: item.raw.linkTargetBytes ?? [])
        default: return  // refused by inspection already
        }
        let entry = RawEntry(
            pathBytes: name, kind: kind, mode: item.raw.mode, size: item.raw.size ?? 0,
            modificationTime: options.keepTimes ? item.modificationTime : options.fixedModificationTime,
            ownerID: options.keepOwners ? Int64(item.ownerID) : 0,
            groupID: options.keepOwners ? Int64(item.groupID) : 0)
        try writer.writeHeader(entry)
        if kind == .file { try copyData(of: item, declaredSize: entry.size, into: writer) }
        try writer.finishEntry()
    }

    /// Streams exactly `declaredSize` bytes (the header is already written): a file that grew
    /// meanwhile is cut, one that shrank is padded by libarchive.
    private static func copyData(of item: ScannedEntry, declaredSize: Int64, into writer: ArchiveWriter) throws {
        var remaining = declaredSize
        var writeError: Error?
        do {
            try FileBlocks.read(item.absolutePath) { block in
                let part = UnsafeRawBufferPointer(rebasing: block.prefix(Int(min(Int64(block.count), remaining))))
                do { try writer.writeData(part) } catch { writeError = error }
                remaining -= Int64(part.count)
                return writeError == nil && remaining > 0
            }
        } catch BundleError.io(let file, let reason) {
            // The scan found it readable: it went or changed while it was written (exit 2,
            // as for deploy, not an environment failure).
            throw BundleError.changed(bundle: file, reason: "it cannot be read any more (\(reason))")
        }
        if let writeError { throw writeError }
    }

    /// An output inside the directory would be archived into the next bundle of it.
    private static func refuseOutputInside(directory: String, output: String) throws {
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().standardizedFileURL.path
        let parent = URL(fileURLWithPath: output).deletingLastPathComponent().resolvingSymlinksInPath().standardizedFileURL.path
        if parent == root || parent.hasPrefix(root.hasSuffix("/") ? root : root + "/") {
            throw BundleError.invalidOutput(path: output, reason: "the output is inside the directory being bundled (\(directory)); write it elsewhere")
        }
    }
}
