import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist continue` on an in-place deployment said "asked d-… to move traffic" and exited 0,
/// though nothing would ever read the request.
@Suite struct ContinueCommandTests {
    @Test func anInPlaceDeploymentCannotBeContinued() throws {
        let scratch = try ScratchDirectory("hoist-continue")
        let file = scratch.file("history.sqlite3")
        try SQLiteHistoryStore(path: file).createDeployment(DeploymentRecord(
            id: DeploymentID("d-INPLACE01")!, application: "shop", deploymentGroup: "web", playbookPath: scratch.file("web.yml"),
            status: .inProgress, createdBy: "alice@laptop", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce",
            deploymentType: .inPlace, createTime: Date()))
        let out = try HoistBinary.run(["continue", "d-INPLACE01", "--db", file], environment: ["HOME": scratch.path])
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("d-INPLACE01 is an in-place deployment; only a blue/green deployment with `ready_wait` waits"), "\(out.stderr)")
    }
}
