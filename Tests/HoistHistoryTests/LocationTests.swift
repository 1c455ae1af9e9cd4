import Foundation
import HoistHistory
import HoistTestSupport
import Testing

@Suite struct HistoryLocationTests {
    @Test(arguments: [
        (nil, nil, ["HOME": "/home/al"], "/home/al/.local/state/hoist/history.sqlite3"),
        (nil, nil, ["HOME": "/home/al", "XDG_STATE_HOME": "/var/state/"], "/var/state/hoist/history.sqlite3"),
        (nil, nil, ["HOME": "/home/al", "XDG_STATE_HOME": "relative/state"], "/home/al/.local/state/hoist/history.sqlite3"),
        (nil, "/srv/app/history.db", ["HOME": "/home/al", "XDG_STATE_HOME": "/s"], "/srv/app/history.db"),
        ("mine.sqlite3", "/srv/app/history.db", ["HOME": "/home/al"], "mine.sqlite3"),
        ("~/h.sqlite3", nil, ["HOME": "/home/al"], "/home/al/h.sqlite3"),
        ("", "~/p.sqlite3", ["HOME": "/home/al/"], "/home/al/p.sqlite3"),
    ] as [(String?, String?, [String: String], String)])
    func resolve(_ flag: String?, _ playbook: String?, _ environment: [String: String], _ expected: String) {
        #expect(HistoryLocation.resolve(flag: flag, playbook: playbook, environment: environment) == expected)
    }
}

/// The history holds every hook's output: the file is 0600, in a folder that is 0700 when
/// Hoist makes it or when it is Hoist's own `hoist` folder.
@Suite struct HistoryPermissionTests {
    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
    }

    @Test func aNewHistoryIsTheUsersAlone() throws {
        let scratch = try ScratchDirectory("history-modes")
        let path = scratch.file("state/hoist/history.sqlite3")
        _ = try SQLiteHistoryStore(path: path)
        #expect(mode(scratch.file("state")) == 0o700)
        #expect(mode(scratch.file("state/hoist")) == 0o700)
        #expect(mode(path) == 0o600)
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            #expect(mode(path + suffix) == 0o600, "\(suffix)")
        }
    }

    @Test func anExistingHistoryIsNarrowed() throws {
        let scratch = try ScratchDirectory("history-narrow")
        let folder = scratch.file("hoist")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let path = folder + "/history.sqlite3"
        _ = try SQLiteHistoryStore(path: path)
        chmod(path, 0o644)
        _ = try SQLiteHistoryStore(path: path)
        #expect(mode(folder) == 0o700)
        #expect(mode(path) == 0o600)
    }
}
