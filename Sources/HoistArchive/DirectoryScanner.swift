import Foundation

/// One thing found under a directory revision, with what the writer needs to archive it.
struct ScannedEntry {
    var raw: RawEntryInfo
    /// Absolute path for system calls, raw bytes (a name need not be UTF-8 on disk).
    var absolutePath: [UInt8]
    var ownerID: UInt32
    var groupID: UInt32
    var modificationTime: Int64
}

/// Walks a directory revision with `lstat` (symlinks are never followed) and returns every entry
/// sorted bytewise by relative path, which is the order archives are written in.
enum DirectoryScanner {
    static func scan(root: String) throws -> [ScannedEntry] {
        var found: [ScannedEntry] = []
        try walk(directory: Array(root.utf8), relative: [], into: &found, displayRoot: root)
        found.sort { $0.raw.pathBytes.lexicographicallyPrecedes($1.raw.pathBytes) }
        return found
    }

    private static func walk(directory: [UInt8], relative: [UInt8], into found: inout [ScannedEntry], displayRoot: String) throws {
        guard let handle = withCString(directory, { opendir($0) }) else {
            throw BundleError.unreadable(bundle: displayRoot, reason: "the folder \"\(EntryName.display(directory))\": \(String(cString: strerror(errno)))"
                + unreadableAdvice)
        }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let item = readdir(handle) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        for name in names {
            let absolute = directory + [0x2F] + name
            let relativePath = relative.isEmpty ? name : relative + [0x2F] + name
            var info = stat()
            guard withCString(absolute, { lstat($0, &info) }) == 0 else {
                throw BundleError.io(path: displayRoot, reason: "cannot stat \"\(EntryName.display(absolute))\": \(String(cString: strerror(errno)))")
            }
            let type = RawEntryInfo.FileType(modeBits: UInt32(info.st_mode))
            var raw = RawEntryInfo(pathBytes: relativePath, type: type, mode: UInt32(info.st_mode) & 0o7777)
            switch type {
            case .file:
                raw.size = Int64(info.st_size)
                // Found now, as an unreadable folder is, not when the bundle is written
                // after validate and plan said the revision was fine.
                guard withCString(absolute, { access($0, R_OK) }) == 0 else {
                    throw BundleError.unreadable(bundle: displayRoot, reason: "\"\(EntryName.display(absolute))\": \(String(cString: strerror(errno)))"
                        + unreadableAdvice)
                }
            case .directory: raw.size = 0
            case .symlink: raw.linkTargetBytes = try readLink(absolute, displayRoot: displayRoot)
            default: break
            }
            found.append(ScannedEntry(
                raw: raw, absolutePath: absolute, ownerID: info.st_uid, groupID: info.st_gid,
                modificationTime: Int64(info.st_mtim.tv_sec)))
            if type == .directory {
                try walk(directory: absolute, relative: relativePath, into: &found, displayRoot: displayRoot)
            }
        }
    }

    private static let unreadableAdvice = "; make it readable by the user running hoist, or move it out of the revision"

    private static func readLink(_ path: [UInt8], displayRoot: String) throws -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = withCString(path) { readlink($0, &buffer, buffer.count - 1) }
        guard count >= 0 else {
            throw BundleError.io(path: displayRoot, reason: "cannot read symlink \"\(EntryName.display(path))\": \(String(cString: strerror(errno)))")
        }
        return buffer.prefix(count).map { UInt8(bitPattern: $0) }
    }

    /// Calls `body` with a NUL-terminated copy of raw path bytes.
    static func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
