import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// A playbook's `history:` is honoured by the history commands as deploy and rollback honour
/// it: `--playbook` reads that file, so an id from that history is never "no such deployment".
@Suite struct PlaybookHistoryTests {
    @Test func listShowAndLogsReadThePlaybooksHistory() throws {
        let scratch = try ScratchDirectory("hoist-playbook-history")
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: state/deploys.sqlite3\n")
        try FileManager.default.createDirectory(atPath: scratch.file("state"), withIntermediateDirectories: true)
        let store = try SQLiteHistoryStore(path: scratch.file("state/deploys.sqlite3"))
        let id = DeploymentID("d-PBHIST001")!
        try store.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "shop-web", playbookPath: scratch.file("web.yml"), status: .succeeded,
            createdBy: "alice@laptop", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.HalfAtATime",
            description: "release 42", createTime: Date()))
        try store.appendOutput([OutputRecord(deploymentID: id, host: "h001", event: .afterInstall, stream: .stdout, time: Date(), text: "warmed up")])
        let env = ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg")]
        func hoist(_ arguments: String...) throws -> HoistBinary.Output {
            try HoistBinary.run(arguments, environment: env, currentDirectory: scratch.url)
        }

        let list = try hoist("list", "--playbook", "web.yml")
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("d-PBHIST001"), "\(list.stdout)")
        let show = try hoist("show", "d-PBHIST001", "--playbook", "web.yml")
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.range(of: #"Description +release 42"#, options: .regularExpression) != nil, "\(show.stdout)")
        let logs = try hoist("logs", "d-PBHIST001", "--playbook", "web.yml")
        #expect(logs.stdout == "h001 AfterInstall [stdout] warmed up\n", "\(logs.stdout)\(logs.stderr)")

        let withoutPlaybook = try hoist("show", "d-PBHIST001")
        #expect(withoutPlaybook.status == 2, "the default history does not know it")
        let inventory = try hoist("list", "--playbook", "inventory.yml")
        #expect(inventory.status == 2)
        #expect(inventory.stderr.contains("inventory.yml is an inventory; --playbook needs a playbook"), "\(inventory.stderr)")
    }
}
