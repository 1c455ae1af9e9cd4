import HoistCore
import HoistPlanning
import Testing

@Suite struct TargetSelectionTests {
    static let hosts = [
        HostSpec(name: "w1", address: "10.0.0.1", tags: [Tag("role", "web"), Tag("env", "prod"), Tag("color", "blue")]),
        HostSpec(name: "w2", address: "10.0.0.2", tags: [Tag("role", "web"), Tag("env", "test"), Tag("canary")]),
        HostSpec(name: "a1", address: "10.0.0.3", tags: [Tag("role", "api"), Tag("env", "prod"), Tag("color", "green")]),
        HostSpec(name: "d1", address: "10.0.0.4", tags: [Tag("role", "db"), Tag("owner", "web")]),
    ]

    /// CodeDeploy's rules: OR inside a tag group, AND across groups, and the three filter kinds.
    @Test(arguments: [
        ("no groups: every host", [], ["w1", "w2", "a1", "d1"]),
        ("KEY_AND_VALUE", [[TagFilter.keyAndValue("role", "web")]], ["w1", "w2"]),
        ("OR within a group", [[.keyAndValue("role", "web"), .keyAndValue("role", "api")]], ["w1", "w2", "a1"]),
        ("AND across groups", [[.keyAndValue("role", "web")], [.keyAndValue("env", "prod")]], ["w1"]),
        ("KEY_ONLY", [[.key("canary")]], ["w2"]),
        ("KEY_ONLY matches any value", [[.key("color")]], ["w1", "a1"]),
        ("VALUE_ONLY matches under any key", [[.value("web")]], ["w1", "w2", "d1"]),
        ("mixed kinds", [[.keyAndValue("role", "web")], [.key("canary"), .keyAndValue("color", "green")]], ["w2"]),
        ("three groups", [[.key("role")], [.keyAndValue("env", "prod")], [.value("green"), .value("blue")]], ["w1", "a1"]),
        ("value is not a key", [[.key("web")]], []),
        ("key and value must both match", [[.keyAndValue("env", "web")]], []),
    ] as [(String, [[TagFilter]], [String])])
    func selects(_ label: String, groups: [[TagFilter]], expected: [String]) {
        let selection = TargetSelection.select(hosts: Self.hosts, groups: groups.map { TagGroup($0) })
        #expect(selection.hosts.map(\.name) == expected, "\(label)")
    }

    @Test func recordsWhichFilterOfEachGroupMatched() {
        let groups = [TagGroup([.keyAndValue("role", "api"), .keyAndValue("role", "web")]), TagGroup([.key("canary"), .key("env")])]
        let selection = TargetSelection.select(hosts: Self.hosts, groups: groups)
        #expect(selection.selected.map { "\($0.host.name): \($0.matchedFilters.map(\.description))" } == [
            "w1: [\"role=web\", \"env\"]", "w2: [\"role=web\", \"canary\"]", "a1: [\"role=api\", \"env\"]",
        ])
    }

    @Test func blamesTheGroupThatMatchesNothing() throws {
        let groups = [TagGroup([.key("role")], line: 4, column: 5), TagGroup([.keyAndValue("role", "cache")], line: 5, column: 5)]
        let selection = TargetSelection.select(hosts: Self.hosts, groups: groups)
        #expect(selection.selected.isEmpty)
        #expect(selection.excludingGroup == 1)
        let diagnostic = try #require(selection.emptySelectionDiagnostic(file: "pb.yml", inventory: "inv.yml"))
        #expect(diagnostic.description ==
            "pb.yml:5:5: error: targets: tag group 2 (role=cache) matches no host of the inventory inv.yml (check the tags in inv.yml with 'hoist hosts inv.yml')")
    }

    @Test func blamesTheGroupWhoseIntersectionIsEmpty() throws {
        let groups = [
            TagGroup([.keyAndValue("role", "api")], line: 3, column: 5), TagGroup([.key("env")], line: 4, column: 5),
            TagGroup([.value("blue"), .key("canary")], line: 5, column: 5),
        ]
        let selection = TargetSelection.select(hosts: Self.hosts, groups: groups)
        #expect(selection.excludingGroup == 2)
        #expect(!selection.excludingGroupMatchesNothing)
        let diagnostic = try #require(selection.emptySelectionDiagnostic(file: "pb.yml", inventory: "inv.yml"))
        #expect(diagnostic.description ==
            "pb.yml:5:5: error: targets: no host matches tag group 3 (=blue OR canary) together with tag groups 1, 2; a host must match every group (check the tags in inv.yml with 'hoist hosts inv.yml')")
    }

    @Test func aNonEmptySelectionHasNoDiagnostic() {
        let selection = TargetSelection.select(hosts: Self.hosts, groups: [TagGroup([.key("role")])])
        #expect(selection.emptySelectionDiagnostic(file: "pb.yml", inventory: "inv.yml") == nil)
        #expect(selection.excludingGroup == nil)
    }
}
