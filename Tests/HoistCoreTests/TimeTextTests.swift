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

extension TimeTextTests {
    /// `--json`'s times, written by hand, are ISO8601DateFormatter's with fractional seconds:
    /// rounded to the millisecond, the carry included.
    @Test func millisecondStampsAreTheISO8601FormattersOwn() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        let known: [Double] = [0, 1.9995, 1.0009, 59.9996, 1_764_950_000.12345, 1_764_950_000.9999, -0.5, 1_796_434_262.047]
        let random = (0..<2000).map { _ in Double.random(in: 0..<4_102_444_800, using: &generator) }
        for seconds in known + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(utcStamp(date, milliseconds: true) == formatter.string(from: date), "\(seconds)")
        }
    }
}
