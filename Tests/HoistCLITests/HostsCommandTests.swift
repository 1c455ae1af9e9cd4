import Foundation
import HoistTestSupport
import Testing

/// `hoist hosts` run as a user would: the built binary, a temporary HOME (so the real
/// ~/.ssh/config is never read), the repository's example files.
@Suite struct HostsCommandTests {
    let scratch: ScratchDirectory
    var home: URL { scratch.url }

    init() throws { scratch = try ScratchDirectory("hoist-cli-home") }

    func hoist(_ arguments: String...) throws -> HoistBinary.Output {
        try HoistBinary.run(arguments, environment: ["HOME": home.path], currentDirectory: TestPaths.packageRoot)
    }

    @Test func listsThePlaybooksHosts() throws {
        let out = try hoist("hosts", "playbooks/example-inplace.yml")
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NAME   ADDRESS    PORT  USER    JUMP") == true)
        #expect(lines.contains { $0.hasPrefix("web01  10.0.1.11  22    deploy  jump@203.0.113.10  role=web env=prod color=blue rack=r1") })
        #expect(lines.last == "12 hosts")
        #expect(!out.stdout.contains("api-a"))
    }

    /// An empty (or comment-only) file was reported as an empty inventory, even to `deploy`.
    @Test func anEmptyFileIsNamedSoForEitherKind() throws {
        let file = home.appendingPathComponent("empty.yml").path
        try "# to do\n\n".write(toFile: file, atomically: true, encoding: .utf8)
        for command in ["hosts", "deploy"] {
            let out = try hoist(command, file)
            #expect(out.status == 2, "\(command): \(out.stderr)")
            #expect(out.stderr.contains("\(file): error: the file is empty (a playbook names application, inventory and targets"), "\(out.stderr)")
        }
    }

    @Test func verboseShowsTheMatchingFilters() throws {
        let out = try hoist("hosts", "playbooks/example-bluegreen.yml", "-v")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("""
            inventory: \(TestPaths.packageRoot.path)/inventory/example.yml
            tag group 1 (line 6): role=web OR canary

            NAME
            """))
        #expect(out.stdout.contains("api-a"))
        #expect(out.stdout.contains("    tag group 1: matched canary\n"))
        #expect(out.stdout.contains("    tag group 1: matched role=web\n"))
    }

    @Test func printsJSON() throws {
        let out = try hoist("hosts", "inventory/ansible-hosts.ini", "--json")
        #expect(out.status == 0, "\(out.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let hosts = try #require(object["hosts"] as? [[String: Any]])
        #expect(hosts.count == 12)
        #expect(object["tagGroups"] as? [String] == [])
        let api2 = try #require(hosts.first { $0["name"] as? String == "api2.example.com" })
        #expect(api2["address"] as? String == "10.0.3.22")
        #expect(api2["port"] as? Int == 2222)
        #expect(api2["user"] as? String == "deploy")
        #expect(api2["tags"] as? [String] == ["api", "prod"])
    }

    @Test func invalidInputExitsTwoWithEveryDiagnostic() throws {
        let bad = home.appendingPathComponent("bad.yml")
        try "application: shop\ninventory: ../inventory/example.yml\nmax_revision: 3\ndeployment_config: Fast\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let out = try hoist("hosts", bad.path)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr == """
            \(bad.path):3:1: error: max_revision: unknown key 'max_revision' (did you mean 'max_revisions'?)
            \(bad.path):4:20: error: deployment_config: must be one of OneAtATime, HalfAtATime, AllAtOnce or a mapping, not 'Fast'

            """)
    }

    @Test func anEmptySelectionNamesTheGroupToBlame() throws {
        let playbook = TestPaths.packageRoot.appendingPathComponent("inventory/../playbooks/.tmp-empty-\(UUID().uuidString).yml")
        try "application: shop\ninventory: ../inventory/example.yml\ntargets:\n  - {role: web}\n  - {role: db}\n"
            .write(to: playbook, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: playbook) }
        let out = try hoist("hosts", playbook.path)
        #expect(out.status == 2)
        #expect(out.stderr.contains(":5:5: error: targets: no host matches tag group 2 (role=db) together with tag group 1"))
    }

    @Test func aMissingFileExitsTwo() throws {
        let out = try hoist("hosts", "does/not/exist.yml")
        #expect(out.status == 2)
        #expect(out.stderr == "does/not/exist.yml: error: cannot read the file (check that the path exists and is readable)\n")
    }
}

/// `hoist hosts --hosts PATTERN` shows what a pattern selects, as every command's `--hosts`.
@Suite struct HostsPatternCommandTests {
    func hoist(_ arguments: String...) throws -> HoistBinary.Output {
        let home = try ScratchDirectory("hoist-cli-home")
        return try HoistBinary.run(arguments, environment: ["HOME": home.path], currentDirectory: TestPaths.packageRoot)
    }

    func names(_ out: HoistBinary.Output) -> [String] {
        out.stdout.split(separator: "\n").dropFirst().dropLast().map { String($0.prefix { $0 != " " }) }
    }

    @Test func globsTagsAndExclusionsNarrowTheSelection() throws {
        let out = try hoist("hosts", "playbooks/example-inplace.yml", "--hosts", "web0*,&color=blue,!web03")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(names(out) == ["web01", "web02", "web04", "web05", "web06"])
        #expect(out.stdout.hasSuffix("5 hosts\n"))
    }

    @Test func anAnsibleGroupNameSelectsItsHosts() throws {
        let out = try hoist("hosts", "inventory/ansible-hosts.ini", "--hosts", "db", "--json")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("\"pattern\" : \"db\""))
        #expect(out.stdout.contains("\"name\" : \"db1.example.com\""))
        #expect(out.stdout.components(separatedBy: "\"name\" :").count == 2, "one host: \(out.stdout)")
    }

    @Test func aTermMatchingNoSelectedHostIsInvalidInput() throws {
        let out = try hoist("hosts", "playbooks/example-inplace.yml", "--hosts", "web01,db1")
        #expect(out.status == 2)
        #expect(out.stderr.contains("hoist: --hosts web01,db1: `db1` matches no selected host; the selected hosts are web01, web02"), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }
}
