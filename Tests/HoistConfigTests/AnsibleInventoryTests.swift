import HoistConfig
import HoistCore
import Testing

@Suite struct AnsibleInventoryTests {
    /// One line per host: name, how it is reached, and its tags.
    func summary(_ inventory: Inventory) -> [String] {
        inventory.hosts.map { host in
            "\(host.name) \(host.user)@\(host.address):\(host.port) become=\(host.become) [\(host.tags.map(\.description).joined(separator: ","))]"
        }
    }

    static let ini = """
        # ungrouped first
        bastion ansible_host=203.0.113.10 ansible_user=jump

        [web_blue]
        web[01:02].example.com

        [web_green]
        web03.example.com ansible_port=2222 ansible_become=yes

        [web:children]
        web_blue
        web_green

        [prod:children]
        web
        db

        [db]
        db2.example.com:2201
        db1 ansible_host=10.0.4.5 ansible_ssh_private_key_file="keys/db key" other_var=x

        [prod:vars]
        ansible_user=deploy

        [web:vars]
        ansible_user = webdeploy

        [all:vars]
        ansible_port=2200
        """

    @Test func iniGroupsOfGroupsBecomeTagsAndVarsLayer() throws {
        let inventory = try #require(InventoryLoader.parse(text: Self.ini, file: "ansible/hosts", environment: memoryEnvironment()).value)
        #expect(inventory.format == .ansibleINI)
        #expect(summary(inventory) == [
            "bastion jump@203.0.113.10:2200 become=false []",
            "web01.example.com webdeploy@web01.example.com:2200 become=false [web_blue,web,prod]",
            "web02.example.com webdeploy@web02.example.com:2200 become=false [web_blue,web,prod]",
            "web03.example.com webdeploy@web03.example.com:2222 become=true [web_green,web,prod]",
            "db2.example.com deploy@db2.example.com:2201 become=false [prod,db]",
            "db1 deploy@10.0.4.5:2200 become=false [prod,db]",
        ])
        #expect(inventory.host(named: "db1")?.identityFiles == ["/work/ansible/keys/db key"])
    }

    @Test func iniMistakesAreReported() {
        let text = "[web]\nweb1 ansible_port=http\n[web:child]\nx\n[db\n"
        #expect(messages(InventoryLoader.parse(text: text, file: "hosts.ini", environment: memoryEnvironment())) == [
            "hosts.ini:3:1: error: web:child: unknown section kind 'child' (did you mean ':children'?)",
            "hosts.ini:5:1: error: section header '[db' has no closing ']'",
            "hosts.ini:2:6: error: web.web1.ansible_port: must be a port number from 1 to 65535, not 'http'",
        ])
    }

    /// `inventory: /bin/ls` gave one error per line of the program, 361 KB of them.
    @Test func aBinaryFileIsOneError() {
        let program = String(decoding: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00, 0x0A, 0xFF, 0x0A] + Array("[x\n".utf8), as: UTF8.self)
        #expect(messages(InventoryLoader.parse(text: program, file: "/bin/ls", environment: memoryEnvironment())) == [
            "/bin/ls: error: this is not a text file (it holds NUL bytes) (name an inventory: YAML, or Ansible's INI or YAML, saved as UTF-8)",
        ])
    }

    /// A file saved as UTF-16 or Latin-1 was "not a text file", with no word of the encoding.
    @Test func aFileInAnotherEncodingSaysWhichOneIsExpected() {
        func decoded(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        let ascii = Array("[web]\nweb1\n".utf8)
        let utf16LE: [UInt8] = [0xFF, 0xFE] + ascii.flatMap { [$0, 0] as [UInt8] }
        let utf16BE: [UInt8] = ascii.flatMap { [0, $0] as [UInt8] }
        let latin1 = Array("[web]\nweb1\n# caf".utf8) + [0xE9] + Array("\n".utf8)
        let utf16 = "h: error: this file looks like UTF-16 text; Hoist reads UTF-8 (save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8)"
        #expect(messages(InventoryLoader.parse(text: decoded(utf16LE), file: "h", environment: memoryEnvironment())) == [utf16])
        #expect(messages(InventoryLoader.parse(text: decoded(utf16BE), file: "h", environment: memoryEnvironment())) == [utf16])
        #expect(messages(InventoryLoader.parse(text: decoded(latin1), file: "h", environment: memoryEnvironment())) == [
            "h:3:1: error: this line holds bytes that are not UTF-8; Hoist reads UTF-8 text (save the file as UTF-8 (from Latin-1: iconv -f LATIN1 -t UTF-8))",
        ])
    }

    /// `-o Port=65558` was kept and later wrapped to port 22; `-p 0` was kept too.
    @Test func aPortInSSHArgumentsIsHeldToTheRangeOfAnsiblePort() throws {
        let text = """
            [web]
            web1 ansible_ssh_common_args='-o Port=65558'
            web2 ansible_ssh_extra_args="-p 0"
            web3 ansible_ssh_extra_args="-oPort=http"
            """
        #expect(messages(InventoryLoader.parse(text: text, file: "h.ini", environment: memoryEnvironment())) == [
            "h.ini:2:6: error: web.web1.ansible_ssh_common_args: -o Port must be a port number from 1 to 65535, not '65558'",
            "h.ini:3:6: error: web.web2.ansible_ssh_extra_args: -p must be a port number from 1 to 65535, not '0'",
            "h.ini:4:6: error: web.web3.ansible_ssh_extra_args: -o Port must be a port number from 1 to 65535, not 'http'",
        ])
        let good = "[web]\nweb1 ansible_ssh_extra_args='-p2222'\nweb2 ansible_ssh_extra_args='-o Port=65535'\n"
        let inventory = try #require(InventoryLoader.parse(text: good, file: "h.ini", environment: memoryEnvironment()).value)
        #expect(inventory.hosts.map(\.port) == [2222, 65535])
    }

    /// `-J -oProxyCommand=evil` and `-o ProxyJump=a$(id)b` were taken as jump hosts.
    @Test func aJumpHostInSSHArgumentsThatIsNoNameIsAnError() {
        let text = """
            [web]
            web1
            web2
            db1 ansible_ssh_extra_args="-o ProxyJump=a$(id)b"

            [web:vars]
            ansible_ssh_common_args='-J -oProxyCommand=evil'
            """
        #expect(messages(InventoryLoader.parse(text: text, file: "h.ini", environment: memoryEnvironment())) == [
            "h.ini:7:1: error: web.vars.ansible_ssh_common_args: jump host '-oProxyCommand=evil' has the address '-oProxyCommand=evil': it starts with '-', which would be read as an option (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
            "h.ini:4:5: error: web.db1.ansible_ssh_extra_args: jump host 'a$(id)b' has the address 'a$(id)b': it holds '$', which no IP address or DNS name does (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
        ])
    }

    /// Both Ansible formats go through the same host name check as Hoist's.
    @Test func aHostNameHostsCannotSelectAgainIsAnErrorInAnsibleInventories() {
        let ini = "[web]\n-oProxyCommand=x\nweb?1\n\"\" ansible_host=10.0.0.1\nweb1\n"
        #expect(messages(InventoryLoader.parse(text: ini, file: "h.ini", environment: memoryEnvironment())).map { $0.components(separatedBy: " (use ")[0] } == [
            "h.ini:2:1: error: web.-oProxyCommand=x: the host name \"-oProxyCommand=x\" cannot be used: it starts with '-', which would be read as an option",
            "h.ini:3:1: error: web.web?1: the host name \"web?1\" cannot be used: it holds '?', which --hosts reads as pattern syntax",
            "h.ini:4:1: error: web.: the host name \"\" cannot be used: it is empty",
        ])
        let yaml = "all:\n  hosts:\n    \"db\\n1\":\n    db2:\n"
        #expect(messages(InventoryLoader.parse(text: yaml, file: "h.yml", environment: memoryEnvironment())).map { $0.components(separatedBy: " (use ")[0] } == [
            "h.yml:3:5: error: all.hosts.db\\u{A}1: the host name \"db\\u{A}1\" cannot be used: it holds a control character (U+A)",
        ])
    }

    static let yaml = """
        all:
          vars:
            ansible_user: deploy
          hosts:
            bastion:
              ansible_host: 203.0.113.10
          children:
            prod:
              vars:
                ansible_become: true
              children:
                web:
                  hosts:
                    web[1:2]:
                api:
                  hosts:
                    api1:
                      ansible_host: 10.0.3.21
                      ansible_port: 2222
                      ansible_user: api
            staging:
              hosts:
                web1:
        """

    @Test func yamlNestedGroups() throws {
        let inventory = try #require(InventoryLoader.parse(text: Self.yaml, file: "hosts.yml", environment: memoryEnvironment()).value)
        #expect(inventory.format == .ansibleYAML)
        #expect(summary(inventory) == [
            "bastion deploy@203.0.113.10:22 become=false []",
            "web1 deploy@web1:22 become=true [prod,web,staging]",
            "web2 deploy@web2:22 become=true [prod,web]",
            "api1 api@10.0.3.21:2222 become=true [prod,api]",
        ])
    }

    /// Groups whose two children alias the group before: 1.3 KB over 24 levels ran for more
    /// than a minute, doubling per level (over five at 24). Each group written once is read
    /// once. The time limit, not a clock read, is the check: generous on a busy machine.
    @Test(.timeLimit(.minutes(2))) func yamlAliasedGroupsAreReadOncePerPlace() throws {
        var text = "g0: &g0 {hosts: {h1: {ansible_user: deploy}}}\n"
        for n in 1...24 { text += "g\(n): &g\(n) {children: {a\(n): *g\(n - 1), b\(n): *g\(n - 1)}}\n" }
        let inventory = try #require(InventoryLoader.parse(text: text, file: "alias.yml", environment: memoryEnvironment()).value)
        let h1 = try #require(inventory.host(named: "h1"))
        #expect(h1.user == "deploy")
        #expect(Set(h1.tags.map(\.description)) == Set(["g0"] + (1...24).flatMap { ["g\($0)", "a\($0)", "b\($0)"] }))
    }

    /// Each new host was looked up in its group's list, and every group was asked about every
    /// host: 100,000 hosts in one group took six minutes. Within the time limit now.
    @Test(.timeLimit(.minutes(2))) func aGroupOfAHundredThousandHostsIsReadInSeconds() throws {
        let text = "[web]\n" + (0..<10).map { "g\($0)-[0000:9999] ansible_host=10.0.0.1\n" }.joined() + "[web:vars]\nansible_user=deploy\n"
        let inventory = try #require(InventoryLoader.parse(text: text, file: "big.ini", environment: memoryEnvironment()).value)
        #expect(inventory.hosts.count == 100_000)
        #expect(inventory.hosts.last.map { "\($0.name) \($0.user) \($0.tags)" } == "g9-9999 deploy [web]")
    }

    /// `<<: *common` was dropped: h002's user is the merged mapping's, as in Ansible (PyYAML).
    @Test func yamlMergeKeysInHostAndGroupVars() throws {
        let text = """
            all:
              hosts:
                h001: &common
                  ansible_host: 10.0.0.1
                  ansible_user: deploy
                h002:
                  <<: *common
                  ansible_host: 10.0.0.2
                h003:
                  <<: [{ansible_user: first}, *common]
                  ansible_host: 10.0.0.3
              children:
                web:
                  vars:
                    <<: {ansible_port: 2300, ansible_become: true}
                    ansible_become: false
                  hosts:
                    h004:
            """
        let inventory = try #require(InventoryLoader.parse(text: text, file: "merge.yml", environment: memoryEnvironment()).value)
        #expect(summary(inventory) == [
            "h001 deploy@10.0.0.1:22 become=false []",
            "h002 deploy@10.0.0.2:22 become=false []",
            "h003 first@10.0.0.3:22 become=false []",
            "h004 root@h004:2300 become=false [web]",
        ])
        // Hoist's own format still refuses the key, with a message.
        #expect(messages(InventoryLoader.parse(text: "hosts:\n  a:\n    <<: {address: 10.0.0.1}\n", file: "h.yml", environment: memoryEnvironment())) == [
            "h.yml:3:5: error: hosts.a.<<: unknown key '<<' (allowed keys: address, tags, user, port, identity_file, known_hosts, host_key_checking, jump, become, deployment_root, password_env)",
            "h.yml:2:3: error: hosts.a: host 'a' has no address (add 'address: <IP or DNS name>')",
        ])
    }

    @Test func yamlUnknownGroupKey() {
        let text = "all:\n  children:\n    web:\n      host:\n        a:\n"
        #expect(messages(InventoryLoader.parse(text: text, file: "h.yml", environment: memoryEnvironment())) == [
            "h.yml:4:7: error: all.children.web.host: unknown key 'host' (did you mean 'hosts'?)",
        ])
    }

    @Test(arguments: [
        ("hosts", "[web]\na\n", InventoryFormat.ansibleINI),
        ("h.ini", "a\n", .ansibleINI),
        ("h.yml", "# comment\n[web]\na\n", .ansibleINI),
        ("h.yml", "all:\n  hosts: {a: }\n", .ansibleYAML),
        ("h.yml", "web:\n  hosts: {a: }\n", .ansibleYAML),
        ("h.yml", "hosts:\n  a: {address: 1.2.3.4}\n", .hoist),
        ("h.yaml", "defaults: {}\nhosts: {}\n", .hoist),
    ])
    func detectsTheFormat(file: String, text: String, expected: InventoryFormat) {
        #expect(InventoryLoader.detectFormat(text: text, file: file) == expected)
    }
}
