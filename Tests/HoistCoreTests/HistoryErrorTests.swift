import HoistCore
import Testing

/// A history file that cannot be opened gets advice that fits SQLite's reason: a damaged or
/// locked file was told to "make its folder writable".
@Suite struct HistoryErrorTests {
    @Test(arguments: [
        ("database disk image is malformed", "restore it from a backup"),
        ("database is locked", "Another process holds it"),
        ("unable to open database file", "make its folder writable"),
    ])
    func theAdviceFollowsTheReason(_ reason: String, _ advice: String) {
        #expect(HistoryError.cannotOpen(path: "/h.sqlite3", reason: reason).description.contains(advice))
    }
}
