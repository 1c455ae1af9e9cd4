import Foundation
import Testing
import HoistCore
import HoistEngine
@testable import HoistCLI

/// The one mapping from a deployment's ending to its exit code (failures 7 and 8).
@Suite struct DeploymentExitTests {
    func report(_ status: DeploymentStatus, code: DeploymentErrorCode? = nil, historyFailures: [String] = [],
                lostLockHosts: [String] = []) -> DeploymentReport {
        DeploymentReport(
            id: "d-ABCDEFGH1",
            verdict: DeploymentVerdictSummary(id: "d-ABCDEFGH1", status: status, errorCode: code, message: nil,
                                              hostStatuses: ["h1": status == .succeeded ? .succeeded : .failed], time: Date()),
            hosts: [:], attention: [], historyFailures: historyFailures, lostLockHosts: lostLockHosts, rollback: nil)
    }

    @Test func theVerdictDecides() {
        #expect(DeploymentExit.report(report(.succeeded)) == .succeeded)
        #expect(DeploymentExit.report(report(.failed, code: .healthConstraints)) == .deploymentFailed)
        #expect(DeploymentExit.report(report(.failed, code: .healthConstraintsInvalid)) == .couldNotStart)
        #expect(DeploymentExit.report(report(.stopped, code: .manualStop)) == .stopped)
    }

    /// Failure 8: a succeeded deployment exits 0 even when a lock warning was printed.
    @Test func aLockWarningDoesNotChangeASuccess() {
        #expect(DeploymentExit.report(report(.succeeded, lostLockHosts: ["bh002"])) == .succeeded)
    }

    /// Failure 7: a success whose record is incomplete says so (7), a failure stays a failure.
    @Test func anIncompleteRecordIsExitSeven() {
        #expect(DeploymentExit.report(report(.succeeded, historyFailures: ["finish: disk full"])) == .historyIncomplete)
        #expect(DeploymentExit.report(report(.failed, historyFailures: ["finish: disk full"])) == .deploymentFailed)
        #expect(HoistExitCode.historyIncomplete.rawValue == 7)
    }

    @Test func errorsThatKeepADeploymentFromStarting() {
        let held = GroupLockHeld(groupID: "a_b", host: "h1", holder: .unknown, heartbeatAgeSeconds: 3)
        #expect(DeploymentExit.error(.lockHeld(held)) == .lockHeld)
        #expect(DeploymentExit.error(.historyUnavailable("disk full")) == .couldNotStart)
        #expect(DeploymentExit.error(.lockFailed(GroupLockError(message: "no host"))) == .couldNotStart)
    }
}
