import Foundation
import HoistArchive
import HoistTestSupport

/// Builds real archives for tests with the module's raw writer: no checks, so hostile entries
/// are as easy to write as good ones.
enum ArchiveFixture {
    typealias Item = (entry: RawEntry, contents: [UInt8])

    static func file(_ path: String, _ text: String = "", mode: UInt32 = 0o644) -> Item {
        (RawEntry(path: path, kind: .file, mode: mode), Array(text.utf8))
    }

    static func directory(_ path: String, mode: UInt32 = 0o755) -> Item {
        (RawEntry(path: path, kind: .directory, mode: mode), [])
    }

    static func symlink(_ path: String, to target: String) -> Item {
        (RawEntry(path: path, kind: .symlink(target: Array(target.utf8)), mode: 0o777), [])
    }

    static func raw(_ entry: RawEntry) -> Item { (entry, []) }

    /// Writes `items` in order to `name` inside `scratch`; returns the archive's path.
    static func write(_ items: [Item], format: BundleFormat, named name: String, in scratch: ScratchDirectory) throws -> String {
        let path = scratch.file(name)
        let writer = try ArchiveWriter(path: path, format: format)
        for item in items {
            try writer.add(item.entry, contents: item.contents)
        }
        try writer.close()
        return path
    }

    /// SHA-256 from the system's sha256sum, to check the module's own digest independently.
    static func systemSHA256(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}
