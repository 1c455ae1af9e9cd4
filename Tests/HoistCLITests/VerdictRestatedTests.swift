import Foundation
import HoistCore
import HoistEngine
import Testing
@testable import HoistCLI

/// A warning said after the verdict (a lock left on a host that went down) scrolls under it;
/// the output then ends with one more line that says how the deployment ended.
@Suite struct VerdictRestatedTests {
    private let verdict = DeploymentVerdictSummary(id: "d-ABCDEFGH1", status: .succeeded, errorCode: nil, message: nil,
                                                   hostStatuses: ["h1": .succeeded, "h2": .succeeded], time: Date())
    private var report: DeploymentReport {
        DeploymentReport(id: "d-ABCDEFGH1", verdict: verdict, hosts: [:], attention: [], historyFailures: [],
                         lostLockHosts: [], rollback: nil)
    }
    private let leftLock = DeploymentNotice.lockNotReleased([UnreleasedLock(host: "h2", reason: "connection refused")],
                                                            leaseSeconds: 120, release: "hoist lock release /srv/app.yml")

    @Test(arguments: [false, true]) func aWarningAfterTheVerdictIsFollowedByTheVerdictAgain(quiet: Bool) throws {
        let stdout = try run(OutputOptions(quiet: quiet)) { observer in
            observer.handle(.deploymentFinished(verdict))
            observer.handle(.notice(leftLock))
        }
        let last = stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasSuffix("deployment d-ABCDEFGH1 Succeeded: 2 succeeded; see the warning above; exit 0"), "\(stdout)")
    }

    @Test func aWarningBeforeTheVerdictLeavesTheVerdictLast() throws {
        let stdout = try run(OutputOptions()) { observer in
            observer.handle(.notice(leftLock))
            observer.handle(.deploymentFinished(verdict))
        }
        let lines = stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 && lines[0].contains("deployment d-ABCDEFGH1 Succeeded: 2 succeeded"), "\(stdout)")
    }

    private func run(_ options: OutputOptions, _ events: (any DeploymentObserver) -> Void) throws -> String {
        let captured = try CapturedConsole()
        let output = DeploymentOutput(options: options, hooks: [:], console: captured.console, environment: [:])
        events(output.observer(deploymentID: "d-ABCDEFGH1"))
        output.finish(report, code: .succeeded)
        return captured.stdout
    }
}
