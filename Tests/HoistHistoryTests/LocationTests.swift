import HoistHistory
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
