import Foundation
import HoistCore
import HoistEngine
import HoistTestSupport
import Testing
@testable import HoistCLI

/// The live view fed events directly, writing to a file as it would to a terminal; what it
/// wrote is read back as the screen it leaves (`TerminalScreen`).
@Suite struct LiveViewTests {
    let captured: CapturedConsole
    var console: Console { captured.console }

    init() throws {
        captured = try CapturedConsole()
    }

    func screen() -> [String] {
        TerminalScreen.lines(captured.stdout).filter { !$0.isEmpty }
    }

    static let start = Date(timeIntervalSince1970: 1_796_434_262)

    /// A stopped deployment, with the Ctrl-C acknowledgement pinned, then what the coordinator
    /// says after the verdict: an automatic rollback and the hosts it left out of service.
    /// They scroll under the verdict; the status block, pinned lines and all, is gone.
    @Test func whatIsSaidAfterTheVerdictDoesNotBringTheStatusBlockBack() throws {
        let reporter = TerminalReporter(console: console, colors: false)
        let id = "d-AAAAAAAA1"
        reporter.handle(.deploymentStarted(DeploymentStart(
            id: id, application: "shop", deploymentGroup: "web", revision: "shop-v2", revisionSHA256: "ab12",
            config: "CodeDeployDefault.OneAtATime", hosts: ["h1", "h2", "h3"], maxConcurrency: 1, minimumHealthy: 2, time: Self.start)))
        reporter.handle(.hostStarted(host: "h1", time: Self.start))
        reporter.handle(.eventStarted(host: "h1", event: .afterInstall, time: Self.start, scriptsFrom: nil))
        reporter.pin("hoist: stopping: no new hosts or lifecycle events will start. Press Ctrl-C again to stop them.")
        reporter.handle(.notice(.stopping(deploymentID: id, reason: "interrupted (Ctrl-C)")))
        reporter.handle(.eventFinished(host: "h1", event: .afterInstall, outcome: EventOutcome(
            status: .failed, errorCode: .scriptFailed, message: "exit 1", scriptName: "scripts/af.sh",
            start: Self.start, end: Self.start.addingTimeInterval(4))))
        reporter.handle(.hostFinished(host: "h1", status: .failed, errorCode: .scriptFailed, message: nil, time: Self.start.addingTimeInterval(4)))
        reporter.handle(.deploymentFinished(DeploymentVerdictSummary(
            id: id, status: .stopped, errorCode: .manualStop, message: "The deployment was stopped on request.",
            hostStatuses: ["h1": .failed, "h2": .skipped, "h3": .skipped], time: Self.start.addingTimeInterval(5))))
        reporter.handle(.notice(.rollbackStarting(failed: id, to: "d-GOOD00001", revision: "shop-v1", hosts: ["h1"], configNote: nil)))
        reporter.handle(.notice(.rollbackFinished(id: "d-ROLLBACK1", status: .failed)))
        let blocked = HostAttention.find(["h1": [(.blockTraffic, EventOutcome(status: .succeeded, start: Self.start, end: Self.start))]])
        reporter.handle(.notice(.hostsNeedAttention(blocked, nextSteps: ["`hoist redeploy \(id) --only-failed`"])))

        let screen = screen()
        let verdict = try #require(screen.lastIndex { $0.hasPrefix("deployment \(id) Stopped") }, "\(screen)")
        let after = Array(screen[(verdict + 1)...])
        #expect(!after.contains { $0.contains(" done: ") || $0.contains("h1: AfterInstall") }, "no status block under the verdict: \(after)")
        #expect(!after.contains { $0.contains("stopping") }, "the pinned lines went with the block: \(after)")
        #expect(after.first?.contains("rolling back \(id)") == true, "\(after)")
        #expect(after.last == "next: `hoist redeploy \(id) --only-failed`", "\(after)")
        #expect(screen.contains { $0.hasPrefix("hoist: stopping: no new hosts") }, "the acknowledgement stays in what scrolled by: \(screen)")
    }

    /// A status block taller than the terminal (a small tmux pane, many hosts running) left a
    /// copy of itself in the scrollback at every redraw: it is cut to fit, keeping its first
    /// line and what is pinned at its end.
    @Test func theStatusBlockFitsTheTerminal() {
        let block = ["[0/20 done]"] + (1...14).map { "  h\($0): AfterInstall 3s" } + ["  waiting for h1", "hoist: stopping"]
        let fitted = TerminalReporter.fitted(block, rows: 6, keepingLast: 2)
        #expect(fitted == ["[0/20 done]", "  h1: AfterInstall 3s", "  h2: AfterInstall 3s", "  … and 12 more", "  waiting for h1", "hoist: stopping"])
        #expect(TerminalReporter.fitted(block, rows: 3, keepingLast: 2) == ["[0/20 done]", "  waiting for h1", "hoist: stopping"])
        #expect(TerminalReporter.fitted(block, rows: 2, keepingLast: 2) == ["[0/20 done]", "  waiting for h1"])
        #expect(TerminalReporter.fitted(block, rows: 40, keepingLast: 2) == block)
        #expect(TerminalReporter.fitted(["a", "b"], rows: 0, keepingLast: 0) == ["a"])
    }
}
