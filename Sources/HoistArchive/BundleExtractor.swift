import CLibArchive
import Foundation
import HoistCore

/// Unpacks a revision locally (for `hoist local`) the way a host would, leading-directory strip
/// included, but only after the whole bundle passed inspection, and with libarchive's own
/// guards on as a second line of defence.
public enum BundleExtractor {
    /// Extracts `bundle` (archive or directory) into `destination`, created if missing.
    /// Returns the inspection it passed. Throws before writing anything if any entry is unsafe.
    @discardableResult
    public static func extract(bundle: String, to destination: String, limits: BundleLimits = .default) throws -> BundleInspection {
        try UTF8Locale.run { try extractInLocale(bundle: bundle, to: destination, limits: limits) }
    }

    private static func extractInLocale(bundle: String, to destination: String, limits: BundleLimits) throws -> BundleInspection {
        var isDirectory: ObjCBool = false
        let bundleIsDirectory = FileManager.default.fileExists(atPath: bundle, isDirectory: &isDirectory) && isDirectory.boolValue
        // A directory is copied from the very scan that was validated, not from a second look.
        let (inspection, scanned) = bundleIsDirectory
            ? try BundleReader.inspectDirectory(bundle, limits: limits)
            : (try BundleReader.inspect(path: bundle, limits: limits), [])
        let root = try prepare(destination)
        // Names are absolute (destination + entry), so NOABSOLUTEPATHS cannot be set; every
        // entry name was already proven relative and `..`-free, and the root is a real path so
        // the symlink guard sees no symlink above it.
        let flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS
            | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME
        let disk = try ArchiveWriter(diskFlags: flags, displayName: destination)
        if bundleIsDirectory {
            let options = BundleWriteOptions(keepTimes: true, requireAppSpec: false)
            for item in scanned {
                guard let name = EntryName.decode(item.raw.pathBytes),
                      let path = LeadingDirectory.stripped(inspection.strippedPrefix, name) else { continue }
                try BundleWriter.writeEntry(item, named: Array((root + "/" + path).utf8), options: options, into: disk)
            }
        } else {
            try extractArchive(bundle, root: root, prefix: inspection.strippedPrefix, limits: limits, into: disk)
        }
        try disk.close()
        return inspection
    }

    private static func extractArchive(_ bundle: String, root: String, prefix: String?, limits: BundleLimits, into disk: ArchiveWriter) throws {
        let reader = try ArchiveReadHandle(path: bundle, displayName: bundle)
        // The file could have changed since inspection: every entry is checked again.
        var collector = EntryCollector(limits: limits)
        while let entry = try reader.nextEntry() {
            let raw = RawEntryInfo(entry: entry)
            let accepted = collector.add(raw)
            if let problem = collector.problems.first {
                throw BundleError.unsafeEntries(bundle: bundle, problems: [problem])
            }
            guard let accepted, let path = LeadingDirectory.stripped(prefix, accepted) else { continue }
            archive_entry_copy_pathname(entry, root + "/" + path)
            if raw.type == .hardlink, let target = raw.linkTargetBytes.flatMap(EntryName.decode),
               case .path(let normalised) = EntryPath.normalise(target),
               let strippedTarget = LeadingDirectory.stripped(prefix, normalised) {
                archive_entry_copy_hardlink(entry, root + "/" + strippedTarget)
            }
            let status = archive_write_header(disk.pointer, entry)
            if status < ARCHIVE_WARN { throw BundleError.io(path: root + "/" + path, reason: disk.errorText) }
            if raw.type == .file, archive_entry_size(entry) > 0 {
                var writeError: Error?
                try reader.readData { block in
                    do { try disk.writeData(block) } catch { writeError = error }
                    return writeError == nil
                }
                if let writeError { throw writeError }
            }
            try disk.finishEntry()
        }
    }

    /// Creates the destination and returns its real path (no symlinks in it).
    private static func prepare(_ destination: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        } catch {
            throw BundleError.io(path: destination, reason: "cannot create the destination: \(error.localizedDescription)")
        }
        guard let real = realpath(destination, nil) else {
            throw BundleError.io(path: destination, reason: "cannot resolve the destination: \(String(cString: strerror(errno)))")
        }
        defer { free(real) }
        return String(cString: real)
    }
}
