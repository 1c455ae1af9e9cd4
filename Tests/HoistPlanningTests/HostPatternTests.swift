import HoistCore
import HoistPlanning
import Testing

/// Ansible `--limit`-style patterns over a selection.
@Suite struct HostPatternTests {
    static let hosts = [
        HostSpec(name: "web01", address: "10.0.0.1", tags: [Tag("role", "web"), Tag("rack", "r1")]),
        HostSpec(name: "web02", address: "10.0.0.2", tags: [Tag("role", "web"), Tag("rack", "r2"), Tag("canary")]),
        HostSpec(name: "web03", address: "10.0.0.3", tags: [Tag("role", "web"), Tag("rack", "r1")]),
        HostSpec(name: "api1", address: "10.0.0.4", tags: [Tag("role", "api"), Tag("rack", "r2"), Tag("dbservers")]),
    ]

    @Test(arguments: [
        ("one name", "web02", ["web02"]),
        ("a comma list keeps the selection's order", "api1, web01", ["web01", "api1"]),
        ("glob", "web*", ["web01", "web02", "web03"]),
        ("character class", "web0[13]", ["web01", "web03"]),
        ("tag name (an Ansible group)", "canary", ["web02"]),
        ("group name", "dbservers", ["api1"]),
        ("a tag key matches any value", "rack", ["web01", "web02", "web03", "api1"]),
        ("key=value", "rack=r2", ["web02", "api1"]),
        ("key=value glob", "role=w*", ["web01", "web02", "web03"]),
        ("exclusion", "web*,!web02", ["web01", "web03"]),
        ("exclusions alone start from every host", "!rack=r1", ["web02", "api1"]),
        ("intersection", "role=web,&rack=r1", ["web01", "web03"]),
        ("regex", "~web0[2-3]", ["web02", "web03"]),
        ("union of kinds", "canary,api1", ["web02", "api1"]),
    ] as [(String, String, [String])])
    func selects(_ label: String, pattern: String, expected: [String]) throws {
        let kept = try HostPattern(pattern).select(from: Self.hosts)
        #expect(kept.map(\.name) == expected, "\(label)")
    }

    @Test func aTermThatMatchesNothingIsAnError() {
        #expect(throws: HostPattern.Problem(description: "`web9*`, `!db1` match no selected host")) {
            try HostPattern("web01,web9*,!db1").select(from: Self.hosts)
        }
    }

    @Test func aPatternThatLeavesNothingIsAnError() {
        #expect(throws: HostPattern.Problem(description: "`web01,!role=web` leaves no host")) {
            try HostPattern("web01,!role=web").select(from: Self.hosts)
        }
    }

    @Test(arguments: ["", " , ", "!", "~(unclosed"])
    func emptyOrMalformedPatternsAreRefused(_ text: String) {
        #expect(throws: HostPattern.Problem.self) { try HostPattern(text) }
    }
}
