import HoistConfig
import HoistCore
import Testing

/// A line indented with a tab is named as a tab, with what YAML wants instead, in every kind
/// of file: libyaml alone says "found character that cannot start any token".
@Suite struct YAMLTabTests {
    static let tabHint = "(YAML indents with spaces, not tabs)"

    @Test func anAppSpecIndentedWithATabSaysSo() {
        let (_, diagnostics) = AppSpecParser.parse(header + "hooks:\n\tAfterInstall:\n\t\t- location: a.sh\n")
        #expect(diagnostics.map(\.description)
                == ["appspec.yml:4:1: error: invalid YAML: found character that cannot start any token: a tab (while scanning for the next token at line 4) \(Self.tabHint)"])
    }

    @Test func aPlaybookIndentedWithATabSaysSo() {
        let result = PlaybookParser.parse(text: "application: shop\ndeployment_group: web\nssh:\n  user: ops\n  \tport: 22\n",
                                          file: "web.yml", baseDirectory: "/srv/pb", homeDirectory: "/home/ops")
        #expect(messages(result) == ["web.yml:5:3: error: invalid YAML: found a tab character that violates indentation (while scanning a plain scalar at line 4) \(Self.tabHint)"])
    }

    @Test func anInventoryIndentedWithATabSaysSo() {
        let result = InventoryLoader.parse(text: "hosts:\n  h1:\n\taddress: 10.0.0.1\n", file: "inv.yml", environment: memoryEnvironment())
        #expect(messages(result) == ["inv.yml:3:1: error: invalid YAML: found character that cannot start any token: a tab (while scanning for the next token at line 3) \(Self.tabHint)"])
    }

    /// Other syntax errors keep the general hint.
    @Test func anErrorAtAnotherCharacterSaysNothingOfTabs() {
        let (_, diagnostics) = AppSpecParser.parse(header + "hooks: [a\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.hint == "check the indentation and quoting around this place")
        #expect(diagnostics.first?.message.contains("tab") == false)
    }
}
