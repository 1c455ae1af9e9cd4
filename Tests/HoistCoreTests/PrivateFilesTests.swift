import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// Hoist's private folders and files: made 0700 and 0600, and nothing else's mode changed.
@Suite struct PrivateFilesTests {
    @Test func aFolderIsMadePrivateWithItsMissingParents() throws {
        let scratch = try ScratchDirectory("hoist-private-files")
        try PrivateFiles.makeFolder(scratch.file("a/b"), narrowExisting: false)
        for folder in ["a", "a/b"] {
            #expect(try FileManager.default.attributesOfItem(atPath: scratch.file(folder))[.posixPermissions] as? Int == 0o700)
        }
    }

    /// A file where a folder should be (`--db /dev/null/h.sqlite3`) is refused and keeps its
    /// mode: it was narrowed to 0700, and /dev/null with it.
    @Test func aFileInTheWayIsRefusedAndKeepsItsMode() throws {
        let scratch = try ScratchDirectory("hoist-private-files-in-the-way")
        _ = try scratch.write("file", "not a folder", mode: 0o644)
        #expect(throws: (any Error).self) { try PrivateFiles.makeFolder(scratch.file("file/hoist"), narrowExisting: false) }
        #expect(throws: (any Error).self) { try PrivateFiles.makeFolder(scratch.file("file"), narrowExisting: true) }
        #expect(try FileManager.default.attributesOfItem(atPath: scratch.file("file"))[.posixPermissions] as? Int == 0o644)
    }
}
