import Foundation
import HoistCore
import HoistEngine
import HoistTestSupport
import Testing
@testable import HoistCLI

/// A deployment's output whose reader stops reading (`| less` on a page, a terminal paused
/// with Ctrl-S): an adversarial run saw every host's hooks time out and the lock taken over,
/// because each output line waited for the reader.
@Suite struct ConsoleBacklogTests {
    @Test(.timeLimit(.minutes(5)))
    func aReaderThatStopsReadingHoldsNoWriterUpAndIsToldWhatItMissed() async throws {
        let unread = try UnreadConsole("hoist-backlog")
        let console = unread.console

        // Twice the backlog's limit, and far more than the pipe holds, with nobody reading:
        // each write returns (the test would hang here otherwise).
        let line = String(repeating: "x", count: 99)
        let lines = 2 * ConsoleBacklog.limit / 100
        for index in 0..<lines { console.out("\(index) \(line)", droppable: true) }
        console.err("the verdict")

        // The reader comes back.
        let (received, stderr) = try await unread.readBack()
        let shown = String(decoding: received, as: UTF8.self).split(separator: "\n")
        // What came first was kept, whole lines only, in order.
        #expect(shown.first == "0 \(line)")
        #expect(shown.allSatisfy { $0.hasSuffix(line) })
        #expect(shown.count < lines)
        let note = try #require(stderr.split(separator: "\n").first { $0.contains("of output not shown") })
        let dropped = Int(String(note.split(separator: " ")[1])) ?? -1
        // The verdict is never dropped; it follows the note.
        #expect(stderr.hasSuffix("the verdict\n"), "\(stderr)")
        #expect(shown.count + dropped == lines, "\(shown.count) shown, \(dropped) dropped of \(lines): \(note)")
        #expect(note.contains("`hoist logs` has every line"))
    }

    /// The live view on a terminal that stops reading. Its redraws, with the hook lines
    /// batched into them, queued without bound: a paused terminal held 300 MB, and past the
    /// console's hard limit the summary and the verdict were dropped.
    @Test(.timeLimit(.minutes(5)))
    func aPausedTerminalMissesHookLinesButNotTheVerdict() async throws {
        let unread = try UnreadConsole("hoist-paused-view")
        let console = unread.console
        let reporter = TerminalReporter(console: console, colors: false)
        let start = Date(timeIntervalSince1970: 1_796_434_262)
        let id = "d-PAUSED001"
        reporter.handle(.deploymentStarted(DeploymentStart(
            id: id, application: "shop", deploymentGroup: "web", revision: "shop-v2", revisionSHA256: "ab12",
            config: "CodeDeployDefault.AllAtOnce", hosts: ["h1"], maxConcurrency: 1, minimumHealthy: 0, time: start)))
        reporter.handle(.hostStarted(host: "h1", time: start))
        reporter.handle(.eventStarted(host: "h1", event: .afterInstall, time: start, scriptsFrom: nil))
        // Four times the backlog's limit of hook lines on stderr (shown in the view), with
        // nobody reading: each call returns (the test would hang here otherwise).
        let line = String(repeating: "x", count: 99)
        let lines = 4 * ConsoleBacklog.limit / 100
        for index in 0..<lines {
            reporter.handle(.output(host: "h1", event: .afterInstall, line: OutputLine(.stderr, "\(index) \(line)"), time: start))
        }
        reporter.handle(.eventFinished(host: "h1", event: .afterInstall, outcome: EventOutcome(
            status: .succeeded, start: start, end: start.addingTimeInterval(4))))
        reporter.handle(.hostFinished(host: "h1", status: .succeeded, errorCode: nil, message: nil, time: start.addingTimeInterval(4)))
        reporter.handle(.deploymentFinished(DeploymentVerdictSummary(
            id: id, status: .succeeded, errorCode: nil, message: nil, hostStatuses: ["h1": .succeeded], time: start.addingTimeInterval(5))))

        let (received, _) = try await unread.readBack()
        let shown = String(decoding: received, as: UTF8.self)
        #expect(received.count < 2 * ConsoleBacklog.limit, "what waited for the reader: \(received.count) bytes")
        #expect(shown.contains("lines of output not shown"), "the view says it left lines out")
        #expect(shown.contains("✔ h1"), "the deployment's own lines are kept")
        #expect(shown.contains("deployment \(id) Succeeded"), "the verdict is kept")
    }
}
