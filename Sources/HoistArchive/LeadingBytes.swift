import Foundation
import HoistCore

extension BundleReader {
    /// The first `count` bytes of each named regular file of an inspected revision (paths as
    /// `inspection.entries` lists them, after the leading-directory strip), for checks of a
    /// file's content such as a hook script's line endings. A directory revision opens only
    /// those files; an archive is read once more, up to the last of them. A path that is not
    /// a regular file, or cannot be read, is left out.
    public static func leadingBytes(
        of paths: [String], in revision: String, inspection: BundleInspection, count: Int
    ) throws -> [String: [UInt8]] {
        // Where each path's data is stored: its own entry, or the one a copy repeats.
        var wanted: [String: [String]] = [:]
        for path in paths {
            let source = inspection.copies[path] ?? path
            wanted[inspection.strippedPrefix.map { "\($0)/\(source)" } ?? source, default: []].append(path)
        }
        var found: [String: [UInt8]] = [:]
        func keep(_ stored: String, _ bytes: [UInt8]) {
            for path in wanted.removeValue(forKey: stored) ?? [] { found[path] = bytes }
        }
        if inspection.format == .directory {
            for stored in wanted.keys.sorted() {
                guard let handle = FileHandle(forReadingAtPath: PathSyntax.join(revision, stored)) else { continue }
                defer { try? handle.close() }
                if let data = try? handle.read(upToCount: count) { keep(stored, Array(data)) }
            }
            return found
        }
        return try UTF8Locale.run {
            let reader = try ArchiveReadHandle(path: revision, displayName: revision)
            while !wanted.isEmpty, let entry = try reader.nextEntry() {
                let raw = RawEntryInfo(entry: entry)
                guard raw.type == .file, !raw.nameIsUnconvertible, let name = EntryName.decode(raw.pathBytes),
                      case .path(let stored) = EntryPath.normalise(name), wanted[stored] != nil else { continue }
                var bytes: [UInt8] = []
                try reader.readData { block in
                    bytes.append(contentsOf: block.prefix(count - bytes.count))
                    return bytes.count < count
                }
                keep(stored, bytes)
            }
            return found
        }
    }
}
