import HoistConfig
import HoistCore
import Testing

/// The same file saved on Windows, with CRLF line endings and/or a UTF-8 byte order mark,
/// reads as it does saved on Linux, with diagnostics on the same lines and columns: OpenSSH,
/// Ansible and CodeDeploy's agent (Ruby Psych) accept such files.
@Suite struct WindowsTextTests {
    enum Saving: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case crlf, byteOrderMark, both
        var testDescription: String { rawValue }
        func apply(_ text: String) -> String {
            let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
            switch self {
            case .crlf: return crlf
            case .byteOrderMark: return "\u{FEFF}" + text
            case .both: return "\u{FEFF}" + crlf
            }
        }
    }

    // MARK: INI inventories

    @Test(arguments: Saving.allCases)
    func anINIInventoryReadsTheSame(_ saving: Saving) throws {
        let linux = try #require(InventoryLoader.parse(text: AnsibleInventoryTests.ini, file: "ansible/hosts", environment: memoryEnvironment()).value)
        let windows = try #require(InventoryLoader.parse(text: saving.apply(AnsibleInventoryTests.ini), file: "ansible/hosts",
                                                         environment: memoryEnvironment()).value)
        #expect(windows.hosts == linux.hosts)
        #expect(windows.hosts.count == 6)
    }

    @Test(arguments: Saving.allCases)
    func iniMistakesKeepTheirPlaces(_ saving: Saving) {
        let text = "[web]\nweb1 ansible_port=http\n[web:child]\nx\n[db\n"
        #expect(messages(InventoryLoader.parse(text: saving.apply(text), file: "hosts.ini", environment: memoryEnvironment())) == [
            "hosts.ini:3:1: error: web:child: unknown section kind 'child' (did you mean ':children'?)",
            "hosts.ini:5:1: error: section header '[db' has no closing ']'",
            "hosts.ini:2:6: error: web.web1.ansible_port: must be a port number from 1 to 65535, not 'http'",
        ])
    }

    /// Format detection reads the first line: an INI file not named `.ini` is still INI.
    @Test(arguments: Saving.allCases)
    func anINIFileWithAnotherExtensionIsStillINI(_ saving: Saving) {
        #expect(InventoryLoader.detectFormat(text: saving.apply("# fleet\n[web]\nh001 ansible_host=10.77.108.11\n"), file: "fleet.txt") == .ansibleINI)
    }

    // MARK: ssh_config

    @Test(arguments: Saving.allCases)
    func anSSHConfigReadsTheSame(_ saving: Saving) {
        let linux = SSHConfig.parse(SSHConfigTests.config, file: "config", baseDirectory: "/home/ops/.ssh", homeDirectory: "/home/ops").0
        let windows = SSHConfig.parse(saving.apply(SSHConfigTests.config), file: "config", baseDirectory: "/home/ops/.ssh",
                                      homeDirectory: "/home/ops").0
        for names in [["web01"], ["web-legacy"], ["db1"], ["bastion"], ["other"]] {
            #expect(windows.options(for: names) == linux.options(for: names))
        }
        #expect(windows.options(for: ["bastion"]).port == 2022)
    }

    @Test(arguments: Saving.allCases)
    func anSSHConfigNamedByTheInventoryApplies(_ saving: Saving) throws {
        let env = memoryEnvironment(["/work/ssh_config": saving.apply("Host web1\n  User deploy\n  Port 2200\n")])
        let text = "defaults:\n  ssh_config: ssh_config\nhosts:\n  web1: {address: 10.0.0.1}\n"
        let inventory = try #require(InventoryLoader.parse(text: text, file: "inv.yml", environment: env).value)
        #expect(inventory.host(named: "web1").map { "\($0.user)@\($0.address):\($0.port)" } == "deploy@10.0.0.1:2200")
    }

    @Test(arguments: Saving.allCases)
    func sshConfigMistakesKeepTheirLines(_ saving: Saving) {
        let (_, problems) = SSHConfig.parse(saving.apply("Host a\n  Port 22\n\nHost b\n  Port http\n"), file: "config",
                                            baseDirectory: "/h/.ssh", homeDirectory: "/h")
        #expect(problems.map(\.description) == ["config:5:1: error: Port: must be a port number from 1 to 65535, not 'http'"])
    }

    // MARK: YAML

    @Test(arguments: Saving.allCases)
    func anAppSpecReadsTheSame(_ saving: Saving) throws {
        let text = header + "hooks:\n  AfterInstall:\n    - location: scripts/a.sh\n      timeout: 30\n"
        let linux = try #require(AppSpecParser.parse(text).appSpec)
        let (windows, diagnostics) = AppSpecParser.parse(saving.apply(text))
        #expect(diagnostics.map(\.description) == [])
        #expect(windows == linux)
    }

    @Test(arguments: Saving.allCases)
    func appSpecDiagnosticsKeepTheirLinesAndColumns(_ saving: Saving) {
        let text = header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: soon\n"
        let linux = AppSpecParser.parse(text).diagnostics.map(\.description)
        #expect(linux.count == 1)
        #expect(linux.first?.hasPrefix("appspec.yml:6:16: error: hooks.AfterInstall[0].timeout") == true)
        #expect(AppSpecParser.parse(saving.apply(text)).diagnostics.map(\.description) == linux)
    }

    /// A syntax error on line 1 keeps its column: the mark is not a column.
    @Test(arguments: Saving.allCases)
    func aSyntaxErrorOnTheFirstLineKeepsItsColumn(_ saving: Saving) {
        let text = "version: [0.0\nos: linux\n"
        let linux = AppSpecParser.parse(text).diagnostics.map(\.description)
        #expect(AppSpecParser.parse(saving.apply(text)).diagnostics.map(\.description) == linux)
    }

    @Test(arguments: Saving.allCases)
    func aTabIsStillNamed(_ saving: Saving) {
        let (_, diagnostics) = AppSpecParser.parse(saving.apply(header + "hooks:\n\tAfterInstall:\n\t\t- location: a.sh\n"))
        #expect(diagnostics.map(\.description)
                == ["appspec.yml:4:1: error: invalid YAML: found character that cannot start any token: a tab (while scanning for the next token at line 4) \(YAMLTabTests.tabHint)"])
        let result = InventoryLoader.parse(text: saving.apply("hosts:\n  h1:\n\taddress: 10.0.0.1\n"), file: "inv.yml", environment: memoryEnvironment())
        #expect(messages(result) == ["inv.yml:3:1: error: invalid YAML: found character that cannot start any token: a tab (while scanning for the next token at line 3) \(YAMLTabTests.tabHint)"])
    }

    /// Psych 4's refusal of aliases is placed by searching the text: on the right line.
    @Test(arguments: Saving.allCases)
    func anAliasIsPlacedOnItsLine(_ saving: Saving) {
        let text = header + "hooks:\n  BeforeInstall: &h\n    - location: a.sh\n  AfterInstall: *h\n"
        let linux = AppSpecParser.parse(text).diagnostics.map(\.description)
        #expect(linux.first?.hasPrefix("appspec.yml:6:17: error:") == true)
        #expect(AppSpecParser.parse(saving.apply(text)).diagnostics.map(\.description) == linux)
    }

    @Test(arguments: Saving.allCases)
    func aPlaybookReadsTheSame(_ saving: Saving) throws {
        let text = "application: shop\ndeployment_group: web\ninventory: inv.yml\nssh:\n  user: ops\n  port: http\n"
        func parse(_ text: String) -> Result<Playbook, DiagnosticsError> {
            PlaybookParser.parse(text: text, file: "web.yml", baseDirectory: "/srv/pb", homeDirectory: "/home/ops")
        }
        let linux = messages(parse(text))
        #expect(linux.count == 1)
        #expect(linux.first?.hasPrefix("web.yml:6:") == true)
        #expect(messages(parse(saving.apply(text))) == linux)
        let good = "application: shop\ndeployment_group: web\ninventory: inv.yml\n"
        #expect(try #require(parse(saving.apply(good)).value).application == "shop")
        #expect(PlaybookParser.looksLikePlaybook(saving.apply(good)))
    }

    @Test(arguments: Saving.allCases)
    func aYAMLInventoryReadsTheSame(_ saving: Saving) throws {
        let text = "hosts:\n  web1: {address: 10.0.0.1, port: 2200}\n  web2: {address: 10.0.0.2, port: x}\n"
        let linux = messages(InventoryLoader.parse(text: text, file: "inv.yml", environment: memoryEnvironment()))
        #expect(linux.first?.hasPrefix("inv.yml:3:") == true)
        #expect(messages(InventoryLoader.parse(text: saving.apply(text), file: "inv.yml", environment: memoryEnvironment())) == linux)
        let good = "hosts:\n  web1: {address: 10.0.0.1}\n"
        #expect(try #require(InventoryLoader.parse(text: saving.apply(good), file: "inv.yml", environment: memoryEnvironment()).value).hosts.count == 1)
        let ansible = "all:\n  hosts:\n    web1: {ansible_host: 10.0.0.1}\n"
        #expect(InventoryLoader.detectFormat(text: saving.apply(ansible), file: "inv.yml") == .ansibleYAML)
    }
}
