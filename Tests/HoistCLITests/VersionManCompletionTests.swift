import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist --version`, the man page made from the commands' help, and the shell completion
/// (bash, run for real) for playbooks and deployment ids.
@Suite struct VersionManCompletionTests {
    @Test func versionPrintsTheRelease() throws {
        let out = try HoistBinary.run(["--version"])
        #expect(out.status == 0)
        #expect(out.stdout.range(of: #"^hoist \d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(out.stdout)")
    }

    /// docs/man/hoist.1 (scripts/make-man) names every command and option the binary has:
    /// a command or option added without regenerating the page fails here.
    @Test func theManPageCoversEveryCommandAndOption() throws {
        let page = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/man/hoist.1"), encoding: .utf8)
        let dump = try HoistBinary.run(["--experimental-dump-help"])
        #expect(dump.status == 0)
        let tool = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var missing: [String] = []
        func visit(_ command: [String: Any], root: Bool) {
            let name = command["commandName"] as? String ?? ""
            if !root, !page.contains(".It Em \(name)") { missing.append(name) }
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                guard argument["shouldDisplay"] as? Bool ?? true,
                      let names = argument["names"] as? [[String: Any]], let long = names.first(where: { $0["kind"] as? String == "long" }),
                      let text = long["name"] as? String, text != "help", text != "version" else { continue }
                if !page.contains(" -\(text)") { missing.append("\(name) --\(text)") }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { visit(sub, root: false) }
        }
        visit(try #require(tool["command"] as? [String: Any]), root: true)
        #expect(missing.isEmpty, "not in docs/man/hoist.1 (run scripts/make-man): \(missing)")
    }

    /// bash completion of `hoist show <TAB>` lists the history's ids; `hoist deploy <TAB>`
    /// offers playbook files.
    @Test func bashCompletesDeploymentIDsAndPlaybooks() throws {
        let dir = try ScratchDirectory("hoist-completion")
        let db = dir.file("history.sqlite3")
        let store = try SQLiteHistoryStore(path: db)
        for id in ["d-AAAAAAAA1", "d-AAAAAAAA2", "d-BBBBBBBB3"] {
            try store.createDeployment(DeploymentRecord(
                id: DeploymentID(id)!, application: "app", deploymentGroup: "g", playbookPath: "pb.yml", createdBy: "me@here",
                revisionPath: "rev", deploymentConfigName: "OneAtATime", createTime: Date()))
        }
        try dir.write("project/web.yml", "application: a\n")
        // A playbook that names its own history: `--playbook` completes that history's ids.
        let teamDB = dir.file("team.sqlite3")
        try SQLiteHistoryStore(path: teamDB).createDeployment(DeploymentRecord(
            id: DeploymentID("d-CCCCCCCC4")!, application: "shop", deploymentGroup: "shop-web", playbookPath: "team.yml",
            createdBy: "me@here", revisionPath: "rev", deploymentConfigName: "OneAtATime", createTime: Date()))
        let team = try RevisionFixtures.playbook(in: dir, name: "team", extra: "history: \(teamDB)")
        try dir.write("project/notes.txt", "not a playbook\n")
        let script = """
            source <("$HOIST" --generate-completion-script bash)
            complete_line() {
              COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
              read -r -a COMP_WORDS <<<"$COMP_LINE"
              [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
              COMP_WORDS[0]=$HOIST
              COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
              COMPREPLY=()
              _hoist hoist "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
              printf '%s\\n' "${COMPREPLY[@]}" | sort
            }
            echo "ids:"; complete_line "hoist show --db \(db) d-A"
            echo "team:"; complete_line "hoist show --playbook \(team) d-"
            cd "\(dir.file("project"))"
            echo "playbooks:"; complete_line "hoist deploy "
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.environment = ProcessInfo.processInfo.environment.merging(["HOIST": HoistBinary.path]) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let sections = output.components(separatedBy: "playbooks:")
        #expect(sections.count == 2, "\(output)")
        let teamIDs = sections[0].components(separatedBy: "team:").last ?? ""
        #expect(teamIDs.contains("d-CCCCCCCC4") && !teamIDs.contains("d-AAAAAAAA1"), "the playbook's history: \(output)")
        #expect(sections[0].contains("d-AAAAAAAA1") && sections[0].contains("d-AAAAAAAA2"), "\(output)")
        #expect(!sections[0].contains("d-BBBBBBBB3"), "only ids with the typed prefix: \(output)")
        #expect(sections.last?.contains("web.yml") == true, "\(output)")
        #expect(sections.last?.contains("notes.txt") == false, "\(output)")
    }
}

/// `--json` always ends with `deployment_finished` or `error`, also when nothing could start.
@Suite struct JSONEndingTests {
    @Test(arguments: [["deploy", "no-such-playbook.yml", "--json"], ["rollback", "no-such-playbook.yml", "--json"],
                      ["redeploy", "d-NOSUCH000", "--json", "--db", "/nonexistent/dir/history.sqlite3"]])
    func aDeploymentThatCannotStartEndsWithAnErrorObject(_ arguments: [String]) throws {
        let home = try ScratchDirectory("hoist-json-home")
        let out = try HoistBinary.run(arguments, environment: ["HOME": home.path, "XDG_STATE_HOME": home.path])
        #expect(out.status != 0)
        let last = try #require(out.stdout.split(separator: "\n").last, "stdout: \(out.stdout) stderr: \(out.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(object["type"] as? String == "error")
        #expect(object["exit_code"] as? Int == Int(out.status))
        #expect((object["message"] as? String)?.isEmpty == false, "\(object)")
    }

    /// Moving traffic back moves a whole fleet: `--hosts` with it is refused before anything.
    @Test func hostsDoNotNarrowABlueGreenRollback() throws {
        let scratch = try ScratchDirectory("hoist-bg-rollback-hosts")
        try RevisionFixtures.playbook(in: scratch)
        let out = try HoistBinary.run(["deploy", "web.yml", "--blue-green-rollback", "--hosts", "h001", "--json", "--db", scratch.file("h.sqlite3")],
                                      environment: ["HOME": scratch.path], currentDirectory: URL(fileURLWithPath: scratch.path))
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("--hosts does not apply to --blue-green-rollback"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("h.sqlite3")), "nothing recorded")
    }

    /// An in-place group has no other fleet to move traffic back to: refused before anything.
    /// It ran the in-place lifecycle with no revision, stopping the application everywhere.
    @Test func aBlueGreenRollbackOfAnInPlaceGroupIsRefused() throws {
        let scratch = try ScratchDirectory("hoist-bg-rollback-in-place")
        try RevisionFixtures.playbook(in: scratch)
        let out = try HoistBinary.run(["deploy", "web.yml", "--blue-green-rollback", "--db", scratch.file("h.sqlite3")],
                                      environment: ["HOME": scratch.path], currentDirectory: URL(fileURLWithPath: scratch.path))
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.contains("web.yml has no `blue_green`; to put back this in-place group's previous revision, run `hoist rollback web.yml`"),
                "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("h.sqlite3")), "nothing recorded")
    }

    /// A history that cannot be opened is a deployment that could not start (exit 5), said
    /// as every history command says it, before any host is touched.
    @Test func aHistoryThatCannotBeOpenedEndsTheDeploymentWithItsReason() throws {
        let scratch = try ScratchDirectory("hoist-json-history")
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch)
        let out = try HoistBinary.run(["deploy", "web.yml", "--json", "--db", "/proc/hoist/history.sqlite3"],
                                      environment: ["HOME": scratch.path], currentDirectory: URL(fileURLWithPath: scratch.path))
        #expect(out.status == 5, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.hasPrefix("hoist: Cannot open the history file /proc/hoist/history.sqlite3"), "\(out.stderr)")
        let last = try #require(out.stdout.split(separator: "\n").last, "\(out.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect((object["message"] as? String)?.hasPrefix("Cannot open the history file") == true, "\(object)")
    }
}
