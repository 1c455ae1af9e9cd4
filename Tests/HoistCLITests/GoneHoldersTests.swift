import Foundation
import HoistCore
import HoistEngine
import HoistHistory
import HoistTestSupport
import Testing
@testable import HoistCLI

/// `lock status`, `lock release` and `stop --playbook` ask the playbook's `history:` whether a
/// lock's holder has ended. They used to hand the playbook's own path to the store, which then
/// opened (and chmodded) the YAML file as a database and never answered.
@Suite struct GoneHoldersTests {
    @Test func thePlaybooksHistoryIsAskedNotThePlaybook() throws {
        let scratch = try ScratchDirectory("hoist-gone-holders")
        let file = scratch.file("history.sqlite3")
        let store = try SQLiteHistoryStore(path: file)
        try store.createDeployment(DeploymentRecord(
            id: DeploymentID("d-ENDED0001")!, application: "shop", deploymentGroup: "web", playbookPath: "/p/web.yml",
            status: .succeeded, createdBy: "bob@elsewhere", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce",
            createTime: Date()))
        let owner = LockOwner(user: "bob", machine: "elsewhere", deploymentID: "d-ENDED0001", pid: 4242, startTime: 0, command: "hoist deploy")
        let held = HostLockState(host: "h1", state: .held(owner, heartbeatAgeSeconds: 60, stale: false))
        let gone = GoneHolders(db: nil, playbookHistory: file)
        #expect(gone.reason(held)?.hasPrefix("d-ENDED0001 ended Succeeded") == true)
        // Still beating: a live coordinator between its deployment's end and its rollback.
        let beating = HostLockState(host: "h1", state: .held(owner, heartbeatAgeSeconds: 1, stale: false))
        #expect(GoneHolders(db: nil, playbookHistory: file).reason(beating) == nil)
        // No history file where the playbook names one: nothing is made there.
        let missing = scratch.file("none/history.sqlite3")
        #expect(GoneHolders(db: nil, playbookHistory: missing).reason(held) == nil)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}
