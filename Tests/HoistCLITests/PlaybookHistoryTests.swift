import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// A playbook's `history:` is honoured by the history commands as deploy and rollback honour
/// it: `--playbook` reads that file, so an id from that history is never "no such deployment".
@Suite struct PlaybookHistoryTests {
    /// A history file at `path` holding one deployment of web.yml (succeeded unless `status`
    /// says otherwise) with one output line.
    func history(at path: String, in scratch: ScratchDirectory, id: String, createdBy: String, description: String,
                 output: String, status: DeploymentStatus = .succeeded) throws {
        let store = try SQLiteHistoryStore(path: path)
        let id = DeploymentID(id)!
        try store.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "shop-web", playbookPath: scratch.file("web.yml"), status: status,
            createdBy: createdBy, revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.HalfAtATime",
            description: description, createTime: Date()))
        try store.appendOutput([OutputRecord(deploymentID: id, host: "h001", event: .afterInstall, stream: .stdout, time: Date(), text: output)])
    }

    @Test func listShowAndLogsReadThePlaybooksHistory() throws {
        let scratch = try ScratchDirectory("hoist-playbook-history")
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: state/deploys.sqlite3\n")
        try FileManager.default.createDirectory(atPath: scratch.file("state"), withIntermediateDirectories: true)
        try history(at: scratch.file("state/deploys.sqlite3"), in: scratch, id: "d-PBHIST001", createdBy: "alice@laptop",
                    description: "release 42", output: "warmed up")
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

    /// A NUL a hook printed does not end its line in `hoist logs`: written to a pipe, the
    /// line comes out whole, as the deployment's own output wrote it.
    @Test func logsKeepAHooksNulAndTheRestOfItsLine() throws {
        let scratch = try ScratchDirectory("hoist-history-nul")
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: deploys.sqlite3\n")
        try history(at: scratch.file("deploys.sqlite3"), in: scratch, id: "d-PBHIST003", createdBy: "alice@laptop",
                    description: "nul", output: "a\u{0}b end")
        let logs = try HoistBinary.run(["logs", "d-PBHIST003", "--playbook", "web.yml"],
                                       environment: ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg")], currentDirectory: scratch.url)
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout == "h001 AfterInstall [stdout] a\u{0}b end\n", "\(logs.stdout.debugDescription)")
    }

    /// A shared history holds what colleagues typed (`--description`, their user name) and what hosts sent: on a
    /// terminal, `list`, `show` and `logs` show its control characters in caret notation, so
    /// none of it can steer the terminal of whoever reads the history.
    @Test func aColleaguesDescriptionCannotSteerTheTerminal() throws {
        let scratch = try ScratchDirectory("hoist-history-terminal")
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: deploys.sqlite3\n")
        try history(at: scratch.file("deploys.sqlite3"), in: scratch, id: "d-PBHIST002", createdBy: "mallory\u{1b}[2J@laptop",
                    description: "fix\u{1b}]52;c;cHduZWQ=\u{07}\u{1b}[2J", output: "a\u{1b}[1Ab")
        let env = ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg")]
        for command in [["list"], ["show", "d-PBHIST002"], ["logs", "d-PBHIST002"]] {
            let out = try HoistBinary.runOnATerminal(command + ["--playbook", "web.yml"], environment: env, currentDirectory: scratch.url)
            #expect(out.status == 0, "\(command): \(out.stdout)")
            #expect(!out.stdout.contains("\u{1b}]52") && !out.stdout.contains("\u{1b}[2J") && !out.stdout.contains("\u{1b}[1A"),
                    "\(command) let an escape sequence through: \(out.stdout)")
            let shown = ["list": "mallory^[[2J@laptop", "show": "fix^[]52;c;cHduZWQ=^G^[[2J", "logs": "a^[[1Ab"][command[0]]!
            #expect(out.stdout.contains(shown), "\(command): \(out.stdout)")
        }
    }
}
