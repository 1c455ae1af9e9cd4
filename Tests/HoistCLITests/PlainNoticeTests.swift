import Foundation
import HoistCore
import HoistEngine
import Testing
@testable import HoistCLI

/// Plain output (cron, CI): a notice on stderr carries its time once, like every other line.
@Suite struct PlainNoticeTests {
    @Test func aNoticeIsStampedOnce() throws {
        let captured = try CapturedConsole()
        let reporter = PlainReporter(console: captured.console)
        reporter.handle(.notice(.rollbackStarting(failed: "d-FAILED001", to: "d-GOOD00001", revision: "app-1.tgz",
                                                  hosts: ["h006"], configNote: nil)))
        reporter.handle(.notice(.rollbackFinished(id: "d-ROLLBK001", status: .succeeded)))
        let lines = captured.stderr.split(separator: "\n").map(String.init)
        let stamp = #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#
        #expect(lines.count == 2, "\(lines)")
        for (line, words) in zip(lines, ["hoist: rolling back d-FAILED001 to d-GOOD00001 (app-1.tgz) on h006", "hoist: rollback d-ROLLBK001 succeeded"]) {
            #expect(line.range(of: "^\(stamp) \(NSRegularExpression.escapedPattern(for: words))$", options: .regularExpression) != nil,
                    "one stamp, then the notice: \(line)")
        }
    }

    /// `-q` (cron) keeps what went wrong and what this deployment did to another: a lock it
    /// took over and the hooks it stopped were not shown at all.
    @Test func quietOutputKeepsTakeovers() throws {
        let captured = try CapturedConsole()
        var options = OutputOptions()
        options.quiet = true
        let reporter = PlainReporter(console: captured.console, options: options)
        reporter.handle(.notice(.staleLockTakenOver("took over a stale lock on h1 held by bob@ci for d-BOB000001")))
        reporter.handle(.notice(.orphanedRunsStopped(host: "h1", runs: 1, deploymentIDs: ["d-BOB000001"], graceSeconds: 5)))
        reporter.handle(.notice(.abandonedDeploymentRecordedFromHosts(id: "d-BOB000002", createdBy: "bob@ci")))
        reporter.handle(.notice(.abandonedDeploymentJudgedFromHosts(
            id: "d-BOB000003", createdBy: "bob@ci", end: .failed(was: .inProgress, errorCode: .healthConstraints, succeeded: 1, hosts: 4),
            config: "CodeDeployDefault.HalfAtATime", recovery: ["hoist rollback pb.yml"])))
        reporter.handle(.notice(.rollbackFinished(id: "d-ROLLBK001", status: .succeeded)))
        let lines = captured.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(lines)")
        #expect(lines.allSatisfy { $0.contains("hoist: warning: ") }, "\(lines)")
    }

    /// An event whose scripts come from an earlier revision says which, as `--json` did alone.
    /// The engine's word decides which those are, not the folder's path: an earlier revision's
    /// folder whose path holds this deployment's id (a deployment root named after it) was
    /// taken for this deployment's own.
    @Test func anEventRunningAnEarlierRevisionsScriptsSaysWhich() throws {
        let captured = try CapturedConsole()
        let reporter = PlainReporter(console: captured.console)
        let archive = "/var/lib/hoist/shop_web/d-EARLIER01/deployment-archive"
        let confusing = "/srv/d-CURRENT01/shop_web/d-EARLIER02/deployment-archive"
        reporter.handle(.deploymentStarted(DeploymentStart(id: "d-CURRENT01", application: "shop", deploymentGroup: "web", revision: "rev",
                                                           revisionSHA256: "ab", config: "AllAtOnce", hosts: ["h1"], maxConcurrency: 1,
                                                           minimumHealthy: 0, time: Date())))
        reporter.handle(.eventStarted(host: "h1", event: .applicationStop, time: Date(),
                                      scriptsFrom: EventScripts(source: .lastSuccessful, folder: archive)))
        reporter.handle(.eventStarted(host: "h2", event: .applicationStop, time: Date(),
                                      scriptsFrom: EventScripts(source: .lastSuccessful, folder: confusing)))
        // This deployment's own scripts go without saying, wherever its folder is.
        reporter.handle(.eventStarted(host: "h1", event: .beforeInstall, time: Date(),
                                      scriptsFrom: EventScripts(source: .current, folder: "/var/lib/hoist/shop_web/d-CURRENT01/deployment-archive")))
        reporter.handle(.eventStarted(host: "h1", event: .afterInstall, time: Date(),
                                      scriptsFrom: EventScripts(source: .current, folder: "/opt/elsewhere/deployment-archive")))
        #expect(captured.stdout.contains("h1 ApplicationStop runs the scripts of \(archive)\n"), "\(captured.stdout)")
        #expect(captured.stdout.hasSuffix("h2 ApplicationStop runs the scripts of \(confusing)\n"), "\(captured.stdout)")
        #expect(!captured.stdout.contains("BeforeInstall") && !captured.stdout.contains("AfterInstall"), "\(captured.stdout)")
    }
}
