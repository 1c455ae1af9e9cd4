import Foundation
import Testing
import HoistCore

/// The stamp at the start of every plain output line: zero-padded UTC, to the second.
@Suite struct TimeTextTests {
    @Test func utcStampsArePaddedAndInUTC() {
        #expect(utcStamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(utcStamp(Date(timeIntervalSince1970: 1_000_000_000.9)) == "2001-09-09T01:46:40Z")
        #expect(utcStamp(Date(timeIntervalSince1970: 1_796_434_262)) == "2026-12-05T01:31:02Z")
    }
}
