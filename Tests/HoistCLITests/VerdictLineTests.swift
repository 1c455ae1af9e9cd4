import Foundation
import HoistCore
import HoistEngine
import Testing
@testable import HoistCLI

/// The verdict line names each failed host and why; a reason it must shorten is cut where a
/// word ends, and the line says where it is whole.
@Suite struct VerdictLineTests {
    static let start = Date(timeIntervalSince1970: 1_796_434_262)
    static let scriptFailed = "Script at specified location: scripts/after_install.sh failed with exit code 1 after printing a lot"
    static let unreachable = "could not connect to 10.0.0.7:22: transport read failed: connection reset by peer (the host rebooted?)"

    func progress(_ failures: [(host: String, message: String)]) -> DeploymentProgress {
        let progress = DeploymentProgress()
        for failure in failures {
            progress.record(.eventFinished(host: failure.host, event: .afterInstall, outcome: EventOutcome(
                status: .failed, errorCode: .scriptFailed, message: failure.message, start: Self.start, end: Self.start)))
        }
        return progress
    }

    func verdict(_ hosts: [String]) -> DeploymentVerdictSummary {
        DeploymentVerdictSummary(id: "d-AAAAAAAA1", status: .failed, errorCode: .healthConstraints, message: "Too many failed.",
                                 hostStatuses: Dictionary(uniqueKeysWithValues: hosts.map { ($0, .failed) }), time: Self.start)
    }

    @Test func severalReasonsAreCutWhereAWordEndsAndTheLineSaysWhereTheyAreWhole() {
        let line = verdictLine(verdict(["h1", "h2"]), progress: progress([("h1", Self.scriptFailed), ("h2", Self.unreachable)]),
                               showCommand: "hoist show d-AAAAAAAA1 --db h.sqlite3")
        #expect(line.contains("h1 in AfterInstall (ScriptFailed: Script at specified location: scripts/after_install.sh failed…)"), "\(line)")
        #expect(line.contains("h2 in AfterInstall (ScriptFailed: could not connect to 10.0.0.7:22: transport read failed…)"), "\(line)")
        #expect(line.contains("; failed: h1 in AfterInstall (") && line.contains("…) (in full: `hoist show d-AAAAAAAA1 --db h.sqlite3`) [HEALTH_CONSTRAINTS]"),
                "\(line)")
    }

    @Test func aSingleReasonIsWholeAndNeedsNoPointer() {
        let line = verdictLine(verdict(["h1"]), progress: progress([("h1", Self.scriptFailed)]), showCommand: "hoist show d-AAAAAAAA1")
        #expect(line.contains("(ScriptFailed: \(Self.scriptFailed)) [HEALTH_CONSTRAINTS]"), "\(line)")
        #expect(!line.contains("hoist show"), "\(line)")
    }

    @Test func withoutAHistoryThereIsNoShowCommandToPointTo() {
        let line = verdictLine(verdict(["h1", "h2"]), progress: progress([("h1", Self.scriptFailed), ("h2", Self.unreachable)]))
        #expect(line.contains("after_install.sh failed…)") && !line.contains("in full"), "\(line)")
    }

    @Test(arguments: [
        ("transport read failed: connection reset", 20, "transport read…"),
        ("fits exactly", 12, "fits exactly"),
        ("", 0, ""),
        // No space in the second half: the word itself is cut.
        ("scripts/a-very-long-script-name.sh", 12, "scripts/a-v…"),
        ("at location: scripts/x.sh", 16, "at location…"),
    ])
    func shortenedCutsWhereAWordEnds(text: String, width: Int, expected: String) {
        #expect(text.shortened(to: width) == expected)
        #expect(text.shortened(to: width).count <= max(width, 0))
    }
}
