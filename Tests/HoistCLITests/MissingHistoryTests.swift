import Foundation
import HoistTestSupport
import Testing

/// Reading a history that does not exist creates nothing and says so: `hoist list --db
/// hist.sqlte3` (a typo) printed "No deployments." and left an empty history file behind.
@Suite struct MissingHistoryTests {
    @Test func readingAMissingHistoryCreatesNothingAndSaysSo() throws {
        let scratch = try ScratchDirectory("hoist-missing-history")
        let typo = scratch.file("hist.sqlte3")
        let env = ["HOME": scratch.path]
        let note = "hoist: there is no history at \(typo) yet"
        let list = try HoistBinary.run(["list", "--db", typo], environment: env)
        #expect(list.status == 0 && list.stdout == "No deployments.\n", "\(list.stdout)\(list.stderr)")
        #expect(list.stderr.contains(note), "\(list.stderr)")
        for command in [["show", "d-AAAAAAAAA"], ["logs", "d-AAAAAAAAA"]] {
            let out = try HoistBinary.run(command + ["--db", typo], environment: env)
            #expect(out.status == 2, "\(command): \(out.stderr)")
            #expect(out.stderr.contains(note) && out.stderr.contains("No deployment d-AAAAAAAAA"), "\(command): \(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: typo))
    }
}
