import Foundation
import HoistCore

/// Reads a revision (directory or archive) without unpacking it: validates every entry, lists
/// them as hosts will see them, reads the AppSpec and hashes the archive, in constant memory.
public enum BundleReader {
    /// Throws `BundleError.unsafeEntries` listing every problem when any entry is unsafe.
    public static func inspect(path: String, limits: BundleLimits = .default) throws -> BundleInspection {
        try UTF8Locale.run { try inspectInLocale(path: path, limits: limits) }
    }

    private static func inspectInLocale(path: String, limits: BundleLimits) throws -> BundleInspection {
        var info = stat()
        guard stat(path, &info) == 0 else { throw BundleError.notFound(path: path) }
        switch UInt32(info.st_mode) & 0o170000 {
        case 0o040000: return try inspectDirectory(path, limits: limits).inspection
        case 0o100000: return try inspectArchive(path, limits: limits)
        default: throw BundleError.unsupportedFormat(bundle: path, detected: "not a regular file or directory")
        }
    }

    static func inspectArchive(_ path: String, limits: BundleLimits) throws -> BundleInspection {
        let reader = try ArchiveReadHandle(path: path, displayName: path)
        var collector = EntryCollector(limits: limits)
        var appSpecCandidates: [String: [UInt8]] = [:]
        var format: BundleFormat?
        while !collector.mustStop, let entry = try reader.nextEntry() {
            if format == nil { format = try reader.bundleFormat() }
            let raw = RawEntryInfo(entry: entry)
            guard let accepted = collector.add(raw) else { continue }
            if raw.type == .file, LeadingDirectory.isAppSpecCandidate(accepted) {
                appSpecCandidates[accepted] = try readCapped(reader, limit: limits.maxAppSpecSize)
            } else if raw.type == .file, let declared = raw.size, format == .zip {
                // A zip states sizes in headers its data need not match; count the data,
                // stopping one byte past the stated size.
                var actual: Int64 = 0
                try reader.readData { block in
                    actual += Int64(block.count)
                    return actual <= declared
                }
                if actual != declared { collector.sizeMismatch(raw.pathBytes, declared: declared, actual: actual) }
            } else if raw.type == .file, raw.size == nil {
                // No size in the header: count what it unpacks to, stopping at the limit.
                var actual: Int64 = 0
                try reader.readData { block in
                    actual += Int64(block.count)
                    collector.addUnpackedBytes(Int64(block.count), to: raw.pathBytes)
                    return !collector.mustStop
                }
                collector.setSize(of: accepted, to: actual)
            }
        }
        // An archive with no entries reports its format only after the end is reached.
        let detected = try format ?? reader.bundleFormat()
        collector.finish()
        if !collector.problems.isEmpty {
            throw BundleError.unsafeEntries(bundle: path, problems: collector.problems + linkProblems(collector))
        }
        var inspection = try assemble(collector, format: detected, bundle: path) { appSpecCandidates[$0] }
        inspection.sha256 = try FileDigest.sha256(path: path, displayName: path)
        return inspection
    }

    /// A directory revision's listing, plus the scan the writer and extractor reuse.
    static func inspectDirectory(_ path: String, limits: BundleLimits) throws -> (inspection: BundleInspection, scanned: [ScannedEntry]) {
        let scanned = try DirectoryScanner.scan(root: path)
        var collector = EntryCollector(limits: limits)
        var absoluteByPath: [String: [UInt8]] = [:]
        for item in scanned where !collector.mustStop {
            if let accepted = collector.add(item.raw), item.raw.type == .file {
                absoluteByPath[accepted] = item.absolutePath
            }
        }
        collector.finish()
        if !collector.problems.isEmpty {
            throw BundleError.unsafeEntries(bundle: path, problems: collector.problems + linkProblems(collector))
        }
        let inspection = try assemble(collector, format: .directory, bundle: path) { candidate in
            guard let absolute = absoluteByPath[candidate] else { return nil }
            return try readFileCapped(absolute, limit: limits.maxAppSpecSize, displayName: path)
        }
        return (inspection, scanned)
    }

    /// The links' problems among the entries accepted so far, so that one pass reports them
    /// with the entries' own: a link loop showed only once a FIFO beside it had been removed.
    /// None once a limit stopped the reading (what was read is not the whole tree).
    private static func linkProblems(_ collector: EntryCollector) -> [BundleProblem] {
        guard !collector.mustStop else { return [] }
        let prefix = LeadingDirectory.prefixToStrip(collector.entries)
        var expansion = SymlinkExpansion(entries: LeadingDirectory.strip(prefix, from: collector.entries), copies: [:],
                                         expandedSize: collector.expandedSize, limits: collector.limits)
        expansion.run()
        return expansion.problems
    }

    /// Applies the strip and finds the AppSpec among the kept candidate texts.
    private static func assemble(
        _ collector: EntryCollector, format: BundleFormat, bundle: String,
        appSpecBytes: (String) throws -> [UInt8]?
    ) throws -> BundleInspection {
        let prefix = LeadingDirectory.prefixToStrip(collector.entries)
        var hardlinks: [String: String] = [:]
        for (path, target) in collector.hardlinks {
            if let path = LeadingDirectory.stripped(prefix, path), let target = LeadingDirectory.stripped(prefix, target) {
                hardlinks[path] = target
            }
        }
        // Links are resolved after the strip: that is the tree the host holds, and a `..`
        // that stayed inside the leading directory's parent would leave it.
        var expansion = SymlinkExpansion(
            entries: LeadingDirectory.strip(prefix, from: collector.entries), copies: hardlinks,
            expandedSize: collector.expandedSize, limits: collector.limits)
        expansion.run()
        if !expansion.problems.isEmpty {
            throw BundleError.unsafeEntries(bundle: bundle, problems: expansion.problems)
        }
        let entries = expansion.entries
        var appSpecName: String?
        var appSpecText: String?
        for name in LeadingDirectory.appSpecNames where entries.contains(where: { $0.path == name }) {
            appSpecName = name
            let original = prefix.map { "\($0)/\(name)" } ?? name
            if let bytes = try appSpecBytes(original) {
                guard bytes.count <= collector.limits.maxAppSpecSize else {
                    throw BundleError.unsafeEntries(bundle: bundle, problems: [BundleProblem(
                        entry: original, reason: "the AppSpec is larger than \(collector.limits.maxAppSpecSize) bytes")])
                }
                guard let text = EntryName.decode(bytes) else {
                    // Which line, and how to fix it: an editor shows a Latin-1 file fine.
                    let problem = TextEncodingCheck.problem(String(decoding: bytes, as: UTF8.self), what: "the AppSpec (YAML)")
                    let line = problem?.line.map { " (line \($0))" } ?? ""
                    throw BundleError.unsafeEntries(bundle: bundle, problems: [BundleProblem(
                        entry: original, reason: "the AppSpec is not valid UTF-8 text\(line)"
                            + (problem.map { ": \($0.hint)" } ?? ""))])
                }
                appSpecText = text
            }
            break
        }
        var inspection = BundleInspection(
            format: format, entries: entries, strippedPrefix: prefix, appSpecName: appSpecName,
            appSpecText: appSpecText, sha256: nil, expandedSize: expansion.expandedSize,
            entryCount: collector.entries.count)
        inspection.copies = expansion.copies
        inspection.expandedLinks = expansion.expandedLinks
        return inspection
    }

    /// At most `limit + 1` bytes of the current entry: one more than allowed shows it is too big.
    private static func readCapped(_ reader: ArchiveReadHandle, limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try reader.readData { block in
            bytes.append(contentsOf: block.prefix(limit + 1 - bytes.count))
            return bytes.count <= limit
        }
        return bytes
    }

    private static func readFileCapped(_ path: [UInt8], limit: Int, displayName: String) throws -> [UInt8] {
        let descriptor = DirectoryScanner.withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            throw BundleError.io(path: displayName, reason: "cannot open \"\(EntryName.display(path))\": \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw BundleError.io(path: displayName, reason: "cannot read \"\(EntryName.display(path))\": \(String(cString: strerror(errno)))")
            }
            filled += count
        }
        return Array(bytes.prefix(filled))
    }
}
