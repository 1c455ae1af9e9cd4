import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A deployment's record names the process running it, so readers on its machine can tell
/// when it was killed (`AbandonedDeployment`), and a pid given to another process since is not
/// taken for it.
@Suite struct CoordinatorRecordTests {
    @Test(.timeLimit(.minutes(5)))
    func aDeploymentRecordsItsCoordinator() async throws {
        let group = try FolderGroup(["h1"])
        let report = try await group.deploy(try await group.revision("v1"))
        let record = try #require(try group.history.deployment(DeploymentID(report.id)!))
        let coordinator = try #require(record.coordinator)
        #expect(coordinator.machine == ProcessInfo.processInfo.hostName)
        #expect(coordinator.pid == getpid())
        #expect(coordinator.processStart != nil && coordinator.processStart == ProcessIdentity.start(of: getpid()))
    }

    @Test func aProcessIsGoneOnlyWhenItsPidIsFreeOrNamesAnotherProcess() throws {
        let exited = try ExitedProcess.run { _ in () }
        let me = try #require(ProcessIdentity.start(of: getpid()))
        #expect(ProcessIdentity.isGone(pid: exited.pid, start: nil))
        #expect(!ProcessIdentity.isGone(pid: getpid(), start: me))
        #expect(!ProcessIdentity.isGone(pid: getpid(), start: nil))
        let reused = me.split(separator: "/").dropLast().joined(separator: "/") + "/1"
        #expect(ProcessIdentity.isGone(pid: getpid(), start: reused), "its pid now names another process")
        // Recorded in another boot or pid namespace (another machine of the same name, a
        // container): a missing pid there proves nothing here.
        #expect(!ProcessIdentity.isGone(pid: exited.pid, start: "another-boot/pid:[1]/1"))
        let otherNamespace = String(me.split(separator: "/")[0]) + "/pid:[1]/1"
        #expect(!ProcessIdentity.isGone(pid: exited.pid, start: otherNamespace))
        #expect(!ProcessIdentity.isGone(pid: getpid(), start: "another-boot/1"), "a start from before Hoist kept the namespace, in another boot")
        #expect(!ProcessIdentity.isGone(pid: 0, start: nil))

        let here = ProcessInfo.processInfo.hostName
        var record = DeploymentRecord(
            id: DeploymentID("d-COORD0001")!, application: "a", deploymentGroup: "g", playbookPath: "p.yml", status: .inProgress,
            createdBy: "u@m", revisionPath: "r", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Date(),
            coordinator: DeploymentCoordinator(machine: here, pid: exited.pid))
        #expect(AbandonedDeployment.reason(record, thisMachine: here) == "its coordinator, pid \(exited.pid) on this machine, is gone")
        #expect(AbandonedDeployment.reason(record, thisMachine: "elsewhere") == nil, "another machine's pids prove nothing here")
        record.status = .failed
        #expect(AbandonedDeployment.reason(record, thisMachine: here) == nil, "it has ended")
        record.status = .inProgress
        record.coordinator = nil
        #expect(AbandonedDeployment.reason(record, thisMachine: here) == nil, "a record older than the field")
    }
}
