import HoistCore
import Testing

/// A history setting is a server, a file, or a typo that must not become a local file.
@Suite struct HistoryAddressTests {
    @Test(arguments: [
        ("postgresql://ops@db/hoist", HistoryAddress.server("postgresql://ops@db/hoist")),
        ("postgres://db/hoist", .server("postgres://db/hoist")),
        ("history.sqlite3", .file("history.sqlite3")),
        ("/var/lib/hoist/history.sqlite3", .file("/var/lib/hoist/history.sqlite3")),
        ("./odd:/name.sqlite3", .file("./odd:/name.sqlite3")),
        ("state/a:b.sqlite3", .file("state/a:b.sqlite3")),
        ("postgresql:/ops@db/hoist", .notAURL("postgresql:/ops@db/hoist")),
        ("postgresql:ops@db/hoist", .notAURL("postgresql:ops@db/hoist")),
        ("postgress://db/hoist", .notAURL("postgress://db/hoist")),
        ("POSTGRESQL://db/hoist", .notAURL("POSTGRESQL://db/hoist")),
        ("garbage://x", .notAURL("garbage://x")),
        ("sqlite:///tmp/h.sqlite3", .notAURL("sqlite:///tmp/h.sqlite3")),
    ] as [(String, HistoryAddress)])
    func readsWhatASettingNames(text: String, expected: HistoryAddress) {
        #expect(HistoryAddress(text) == expected)
    }
}
