import Foundation
import GRDB
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--db` pointing at something that is not a history is refused before anything in it
/// changes: opening it as a history narrowed `/etc/passwd` to 0600 and would have hung on a
/// FIFO.
@Suite struct HistoryFileCheckTests {
    /// Mode, size and bytes, and whether SQLite left a -wal or -shm file beside it.
    private func state(_ path: String) throws -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { return "missing" }
        let bytes = (info.st_mode & S_IFMT) == S_IFREG ? (try Data(contentsOf: URL(fileURLWithPath: path))).base64EncodedString() : ""
        let beside = ["-wal", "-shm", "-journal"].filter { FileManager.default.fileExists(atPath: path + $0) }
        return "\(String(info.st_mode, radix: 8)) \(bytes) \(beside)"
    }

    private func refusal(_ path: String) -> HistoryError? {
        do {
            _ = try SQLiteHistoryStore(path: path)
            return nil
        } catch {
            return error as? HistoryError
        }
    }

    /// `make` writes the file at the path it is given; it is then made 0644, refused with
    /// `reason`, and left as it was, mode, bytes and neighbours.
    private func refusedUnchanged(_ name: String, reason: String, _ make: (String) throws -> Void) throws {
        let temp = try TempHistory()
        let path = temp.folder.appendingPathComponent(name).path
        try make(path)
        chmod(path, 0o644)
        let before = try state(path)
        #expect(refusal(path) == .notAHistory(path: path, reason: reason))
        #expect(try state(path) == before)
    }

    @Test func aTextFileIsRefusedAndKeepsItsMode() throws {
        try refusedUnchanged("passwd", reason: "it is not an SQLite database") {
            try "root:x:0:0:root:/root:/bin/bash\n".write(toFile: $0, atomically: true, encoding: .utf8)
        }
    }

    @Test func anotherProgramsDatabaseIsRefusedUnchanged() throws {
        try refusedUnchanged("app.db", reason: "it is another program's SQLite database (tables: users)") {
            let queue = try DatabaseQueue(path: $0)
            try queue.write { try $0.execute(sql: "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann')") }
            try queue.close()
        }
    }

    @Test func aPipeAFolderAndADeviceAreRefusedWithoutWaiting() throws {
        let temp = try TempHistory()
        let fifo = temp.folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(refusal(fifo) == .notAHistory(path: fifo, reason: "it is a named pipe, not a file"))
        #expect(refusal(temp.folder.path) == .notAHistory(path: temp.folder.path, reason: "it is a folder, not a file"))
        // A copy of /dev/null's device in the test's folder: the real one is not risked.
        let device = temp.folder.appendingPathComponent("null").path
        if mknod(device, S_IFCHR | 0o666, 259 /* major 1, minor 3 */) == 0 {
            chmod(device, 0o666)
            #expect(refusal(device) == .notAHistory(path: device, reason: "it is a device, not a file"))
            #expect(try state(device).hasPrefix("20666"))
        }
    }

    @Test func anEmptyFileAndAHistoryOpen() throws {
        let temp = try TempHistory()
        try Data().write(to: URL(fileURLWithPath: temp.path))
        try temp.open().createDeployment(Fixture.deployment(1))
        #expect(try temp.open().listDeployments().map(\.id) == [Fixture.id(1)])
    }

    @Test func theCommandLineSaysWhatToDoAndExitsTwo() throws {
        let temp = try TempHistory()
        let path = temp.folder.appendingPathComponent("notes.txt").path
        try "not a history\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try HoistBinary.run(["list", "--db", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path) is not a Hoist history file: it is not an SQLite database. Hoist left it as it was"), "\(result.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a history\n")
    }
}
