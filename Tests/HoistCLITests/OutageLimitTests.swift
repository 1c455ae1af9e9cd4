import Foundation
import HoistTestSupport
import Testing

/// `HOIST_HISTORY_OUTAGE_LIMIT` is refused like every other setting when it is not a number
/// of seconds: `5s` fell back to 900 s without a word, before the server was even asked.
@Suite struct OutageLimitTests {
    @Test(arguments: ["5s", "-1", "nan", "soon"])
    func aLimitThatIsNotANumberOfSecondsIsRefused(_ value: String) throws {
        let scratch = try ScratchDirectory("hoist-outage-limit")
        let out = try HoistBinary.run(["list", "--db", "postgresql://nobody@127.0.0.1:1/hoist"],
                                      environment: ["HOME": scratch.path, "HOIST_HISTORY_OUTAGE_LIMIT": value])
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stderr.contains("HOIST_HISTORY_OUTAGE_LIMIT='\(value)': must be a number of seconds"), "\(out.stderr)")
    }
}
