import HoistCore
import Testing

/// A history file that cannot be opened gets advice that fits the trouble: a damaged or
/// locked file was told to "make its folder writable". The store tells the trouble from
/// SQLite's result code; the advice follows it, not the message's words.
@Suite struct HistoryErrorTests {
    @Test(arguments: [
        ("database disk image is malformed", HistoryError.OpenTrouble.damaged, "restore it from a backup"),
        ("database is locked", .busy, "Another process holds it"),
        ("unable to open database file", .other, "make its folder writable"),
        // Words that read like another trouble than the code's.
        ("unable to open database file", .damaged, "restore it from a backup"),
        ("the folder /srv/corrupt-data is not writable", .other, "make its folder writable"),
        ("disk I/O error (locked by a busy process)", .other, "make its folder writable"),
    ])
    func theAdviceFollowsTheTrouble(_ reason: String, _ trouble: HistoryError.OpenTrouble, _ advice: String) {
        let said = HistoryError.cannotOpen(path: "/h.sqlite3", reason: reason, trouble: trouble).description
        #expect(said.hasPrefix("Cannot open the history file /h.sqlite3: \(reason). "), "\(said)")
        #expect(said.contains(advice), "\(said)")
    }
}
