import HoistCore

/// Checks entries one at a time as they stream past and keeps the safe ones as `BundleEntry`
/// values. It never stops at the first problem (a user sees them all) except when a size or
/// count limit is passed: then reading more would be the attack.
struct EntryCollector {
    let limits: BundleLimits
    private(set) var entries: [BundleEntry] = []
    private(set) var problems: [BundleProblem] = []
    private(set) var expandedSize: Int64 = 0
    private(set) var entryCount = 0
    /// Set once a limit is passed; the reader must stop.
    private(set) var mustStop = false
    private var indexByPath: [String: Int] = [:]
    /// Hardlink path → the earlier file it names; unpacked, the same data again.
    private(set) var hardlinks: [String: String] = [:]

    init(limits: BundleLimits) { self.limits = limits }

    /// Checks one entry; returns its normalised path when it was accepted.
    @discardableResult
    mutating func add(_ raw: RawEntryInfo) -> String? {
        let display = raw.pathBytes.isEmpty && raw.nameIsUnconvertible
            ? "(name unreadable as UTF-8)" : EntryName.display(raw.pathBytes)
        entryCount += 1
        if entryCount > limits.maxEntryCount {
            problem(display, "the revision has more than \(limits.maxEntryCount) entries (the entry-count limit)" + BundleLimits.advice(BundleLimits.entriesVariable))
            mustStop = true
            return nil
        }
        guard !raw.nameIsUnconvertible, let name = EntryName.decode(raw.pathBytes) else {
            return refuse(display, "name is not valid UTF-8")
        }
        let path: String
        switch EntryPath.normalise(name) {
        case .root:
            if raw.type == .directory { return nil }
            return refuse(display, "names the revision root but is not a directory")
        case .problem(let reason):
            return refuse(display, reason)
        case .path(let normalised):
            path = normalised
        }
        if let reason = EntryPath.lengthProblem(path) { return refuse(display, reason) }
        if indexByPath[path] != nil {
            return refuse(display, "duplicate entry: \"\(EntryName.display(path))\" appears more than once in the bundle")
        }
        guard let entry = makeEntry(raw, path: path, display: display) else { return nil }
        // A hardlink counts as the copy the canonical bundle writes for it: 100 links to a
        // 100 MB file of zeros made a 103 kB archive that passed as 100 MB, and went to the
        // hosts as 10 GB.
        if case .file = entry.kind {
            expandedSize += entry.size
            if expandedSize > limits.maxExpandedSize {
                problem(display, "the revision unpacks to more than \(limits.maxExpandedSize) bytes (the expanded-size limit)" + BundleLimits.advice(BundleLimits.sizeVariable))
                mustStop = true
                return nil
            }
        }
        indexByPath[path] = entries.count
        entries.append(entry)
        return path
    }

    /// Adds the bytes read from an entry whose header gave no size.
    mutating func addUnpackedBytes(_ count: Int64, to pathBytes: [UInt8]) {
        expandedSize += count
        if expandedSize > limits.maxExpandedSize, !mustStop {
            problem(EntryName.display(pathBytes), "the revision unpacks to more than \(limits.maxExpandedSize) bytes (the expanded-size limit)" + BundleLimits.advice(BundleLimits.sizeVariable))
            mustStop = true
        }
    }

    /// Records the size of a file whose header gave none, once its data was counted.
    mutating func setSize(of path: String, to size: Int64) {
        guard let index = indexByPath[path] else { return }
        entries[index].size = size
    }

    /// A file whose data is not as long as its header says (a zip can state any size, and
    /// `unzip` writes what the data holds): refused, so the size limits mean what they say.
    mutating func sizeMismatch(_ pathBytes: [UInt8], declared: Int64, actual: Int64) {
        let found = actual > declared ? "more than \(declared) bytes" : "\(actual) bytes"
        problem(EntryName.display(pathBytes), "its header says \(declared) bytes but its data unpacks to \(found)")
    }

    /// Whole-listing checks that need every entry: nothing may sit below a file or a symlink
    /// (writing through a symlink is how an extractor is tricked into writing outside).
    mutating func finish() {
        for entry in entries {
            for ancestor in EntryPath.ancestors(of: entry.path) {
                guard let index = indexByPath[ancestor] else { continue }
                switch entries[index].kind {
                case .directory: continue
                case .symlink:
                    problem(EntryName.display(entry.path), "sits below \"\(EntryName.display(ancestor))\", which is a symlink")
                case .file:
                    problem(EntryName.display(entry.path), "sits below \"\(EntryName.display(ancestor))\", which is a file")
                }
                break
            }
        }
    }

    private mutating func makeEntry(_ raw: RawEntryInfo, path: String, display: String) -> BundleEntry? {
        let mode = raw.mode & 0o7777
        switch raw.type {
        case .file:
            return BundleEntry(path: path, kind: .file, mode: mode, size: max(raw.size ?? 0, 0))
        case .directory:
            return BundleEntry(path: path, kind: .directory, mode: mode, size: 0)
        case .symlink:
            guard let bytes = raw.linkTargetBytes, !bytes.isEmpty else {
                return refuse(display, "symlink has no target")
            }
            guard let target = EntryName.decode(bytes) else {
                return refuse(display, "symlink target is not valid UTF-8")
            }
            guard EntryPath.resolveSymlink(at: path, target: target) != nil else {
                return refuse(display, "symlink target \"\(EntryName.display(target))\" points outside the revision")
            }
            return BundleEntry(path: path, kind: .symlink(target: target), mode: mode, size: 0)
        case .hardlink:
            guard let bytes = raw.linkTargetBytes, let target = EntryName.decode(bytes) else {
                return refuse(display, "hardlink target is missing or not valid UTF-8")
            }
            guard case .path(let targetPath) = EntryPath.normalise(target) else {
                return refuse(display, "hardlink target \"\(EntryName.display(target))\" points outside the revision")
            }
            guard let index = indexByPath[targetPath], case .file = entries[index].kind else {
                return refuse(display, "hardlink target \"\(EntryName.display(target))\" is not a file earlier in the bundle")
            }
            // Unpacked, a hardlink is the same file again: list it as one.
            hardlinks[path] = hardlinks[targetPath] ?? targetPath
            return BundleEntry(path: path, kind: .file, mode: mode, size: entries[index].size)
        case .characterDevice:
            return refuse(display, "is a character device; bundles may hold only files, directories and symlinks")
        case .blockDevice:
            return refuse(display, "is a block device; bundles may hold only files, directories and symlinks")
        case .fifo:
            return refuse(display, "is a FIFO (named pipe); bundles may hold only files, directories and symlinks")
        case .socket:
            return refuse(display, "is a socket; bundles may hold only files, directories and symlinks")
        case .unknown(let bits):
            return refuse(display, "has an unknown file type (mode \(String(bits, radix: 8))); bundles may hold only files, directories and symlinks")
        }
    }

    private mutating func refuse<T>(_ entry: String, _ reason: String) -> T? {
        problems.append(BundleProblem(entry: entry, reason: reason))
        return nil
    }

    private mutating func problem(_ entry: String, _ reason: String) {
        problems.append(BundleProblem(entry: entry, reason: reason))
    }
}
