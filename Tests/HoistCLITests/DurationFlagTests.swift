import Testing
@testable import HoistCLI

/// `--lock-wait` and the other durations: `99999999999999999999h`, `1e300s` and `inf` crashed
/// converting to milliseconds.
@Suite struct DurationFlagTests {
    @Test(arguments: [("90", 90_000), ("90s", 90_000), ("10m", 600_000), ("1h", 3_600_000), ("250ms", 250), ("720h", 2_592_000_000)])
    func durationsAreRead(_ text: String, _ milliseconds: Int64) throws {
        #expect(try parseDuration(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["99999999999999999999h", "1e300s", "inf", "721h", "nan", "-1s", "soon"])
    func tooLongOrNotADurationIsInvalidInput(_ text: String) {
        #expect(throws: InvalidInput.self) { try parseDuration(text) }
    }
}
