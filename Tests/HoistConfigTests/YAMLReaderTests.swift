import HoistConfig
import HoistCore
import Testing

/// The reusable walker other parsers (inventories, playbooks) build on.
@Suite struct YAMLReaderTests {
    @Test func typedAccessorsRecordWhatWasExpected() throws {
        let text = "name: web\nport: eighty\nhosts: a\nenabled: 3\n"
        let reader = YAMLReader(file: "inventory.yml", text: text)
        let root = try #require(YAMLDocument.load(text, into: reader))
        let map = try #require(reader.map(root))
        let name = try #require(map["name"]), port = try #require(map["port"])
        let hosts = try #require(map["hosts"]), enabled = try #require(map["enabled"])
        #expect(reader.string(name) == "web")
        #expect(reader.int(port) == nil)
        #expect(reader.list(hosts) == nil)
        #expect(reader.bool(enabled) == nil)
        reader.checkKeys(map, known: ["name", "port", "host", "enabled"])
        #expect(reader.diagnostics.map(\.description) == [
            "inventory.yml:2:7: error: port: expected a whole number, found the text \"eighty\"",
            "inventory.yml:3:8: error: hosts: expected a list, found the text \"a\"",
            "inventory.yml:4:10: error: enabled: expected true or false, found the number 3",
            "inventory.yml:3:1: warning: hosts: unknown key `hosts` (did you mean `host`?)",
        ])
    }

    @Test func nestedKeyPaths() throws {
        let text = "groups:\n  web:\n    - host: a\n    - host: [b]\n"
        let reader = YAMLReader(file: "f.yml", text: text)
        let root = try #require(YAMLDocument.load(text, into: reader))
        let groupsNode = try #require(reader.map(root)?["groups"])
        let groups = try #require(reader.map(groupsNode))
        let web = try #require(groups["web"])
        let items = try #require(reader.list(web))
        for item in items {
            if let host = reader.map(item)?["host"] { _ = reader.string(host) }
        }
        #expect(reader.diagnostics.map(summary) == ["4:13 error groups.web[1].host expected a string, found a list"])
    }

    @Test func aliasesAreAllowedUnlessAsked() {
        let text = "a: &x 1\nb: *x\n"
        #expect(YAMLDocument.load(text, file: "f.yml").diagnostics.isEmpty)
        #expect(YAMLDocument.load(text, file: "f.yml", options: .psych4SafeLoad).diagnostics.map(summary) == [
            "2:4 error b YAML aliases (`*x`) are not allowed: CodeDeploy's agent loads the AppSpec with Ruby's Psych 4, which refuses them",
        ])
    }

    @Test(arguments: [
        ("AfterInstal", "AfterInstall"), ("afterinstall", "AfterInstall"), ("BeforInstall", "BeforeInstall"),
        ("ValidateServices", "ValidateService"), ("Deploy", nil),
    ] as [(String, String?)])
    func didYouMean(_ typo: String, _ expected: String?) {
        #expect(DidYouMean.suggestion(for: typo, among: LifecycleEvent.allCases.map(\.rawValue)) == expected)
    }

    @Test func levenshtein() {
        #expect(DidYouMean.levenshtein("kitten", "sitting") == 3)
        #expect(DidYouMean.levenshtein("", "abc") == 3)
        #expect(DidYouMean.levenshtein("same", "same") == 0)
    }
}
