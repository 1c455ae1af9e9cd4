import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// The commands the history commands suggest work pasted in the same folder: a history the
/// playbook names is not the default one, so they carry `--playbook` (or `--db`).
extension PlaybookHistoryTests {
    @Test func suggestedCommandsReadThePlaybooksHistoryWhenPasted() throws {
        let scratch = try ScratchDirectory("hoist-suggested-commands")
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: deploys.sqlite3\n")
        let path = scratch.file("deploys.sqlite3")
        try history(at: path, in: scratch, id: "d-PBHIST004", createdBy: "alice@laptop", description: "failed",
                    output: "migration 42 failed", status: .failed)
        let store = try SQLiteHistoryStore(path: path)
        let id = DeploymentID("d-PBHIST004")!
        try store.upsertHost(HostRecord(deploymentID: id, host: "h001", address: "10.0.0.1", status: .failed, errorCode: .scriptFailed))
        try store.upsertEvents([EventRecord(deploymentID: id, host: "h001", event: .afterInstall, status: .failed, errorCode: .scriptFailed)])
        let env = ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg")]
        func hoist(_ arguments: String...) throws -> HoistBinary.Output {
            try HoistBinary.run(arguments, environment: env, currentDirectory: scratch.url)
        }
        /// The command between backquotes, or after `prefix` to the end of its line.
        func suggestion(in text: String, after prefix: String) -> String? {
            guard let start = text.range(of: prefix)?.upperBound else { return nil }
            let rest = text[start...]
            let line = rest.prefix { $0 != "\n" }
            return String(line.hasPrefix("`") ? line.dropFirst().prefix { $0 != "`" } : line)
        }

        let show = try hoist("show", "d-PBHIST004", "--playbook", "web.yml")
        let logsCommand = try #require(suggestion(in: show.stdout, after: "all of it: "), "\(show.stdout)")
        #expect(logsCommand == "hoist logs d-PBHIST004 --host h001 --event AfterInstall --playbook web.yml")
        let logs = try HoistBinary.runPasted(logsCommand, in: scratch.url, environment: env)
        #expect(logs.status == 0, "\(logsCommand): \(logs.stderr)")
        #expect(logs.stdout == "h001 AfterInstall [stdout] migration 42 failed\n")

        let noHost = try hoist("logs", "d-PBHIST004", "--host", "h009", "--playbook", "web.yml")
        let showCommand = try #require(suggestion(in: noHost.stderr, after: "has no host 'h009'; "), "\(noHost.stderr)")
        let shown = try HoistBinary.runPasted(showCommand, in: scratch.url, environment: env)
        #expect(shown.status == 0 && shown.stdout.contains("migration 42 failed"), "\(showCommand): \(shown.stderr)")

        let unknown = try hoist("show", "d-NOTHERE01", "--playbook", "web.yml")
        #expect(unknown.status == 2)
        let listCommand = try #require(suggestion(in: unknown.stderr, after: "in the history; "), "\(unknown.stderr)")
        let listed = try HoistBinary.runPasted(listCommand, in: scratch.url, environment: env)
        #expect(listed.status == 0 && listed.stdout.contains("d-PBHIST004"), "\(listCommand): \(listed.stdout)\(listed.stderr)")
    }
}
