import Foundation
import HoistConfig
import HoistCore
import HoistTestSupport
import Testing

/// Ansible inventories as teams have them, next to a real `~/.ssh/config` that includes
/// `config.d/*`: INI hosts that are only ssh_config aliases, bastions in
/// `ansible_ssh_common_args`, and ranges in `ansible_host`. Files on disk, a temporary HOME.
@Suite struct AnsibleSSHConfigTests {
    let home: ScratchDirectory
    let project: ScratchDirectory

    init() throws {
        home = try ScratchDirectory("hoist-home")
        project = try ScratchDirectory("hoist-ansible")
        try home.write(".ssh/config", """
            # ~/.ssh/config
            Include config.d/*
            Include ~/.ssh/extra.conf

            Host *
              ServerAliveInterval 30
              IdentitiesOnly yes
            """)
        try home.write(".ssh/config.d/10-prod", """
            Host prod-bastion
              HostName 203.0.113.10
              User jump
              Port 2222

            Host db-primary
              HostName 10.0.4.5
              User postgres
              ProxyJump prod-bastion
            """)
        try home.write(".ssh/config.d/20-legacy", """
            Host legacy-*
              User admin
              IdentityFile ~/.ssh/legacy_ed25519
            """)
        try home.write(".ssh/config.d/.hidden", "Host db-primary\n  HostName 192.0.2.99\n")
        try home.write(".ssh/extra.conf", "Host cache1\n  HostName 10.0.9.1\n")
    }

    func load(_ name: String, _ text: String) throws -> Inventory {
        let path = try project.write(name, text)
        let environment = ConfigEnvironment(homeDirectory: home.path, currentDirectory: project.path)
        let result = InventoryLoader.load(path: path, environment: environment)
        if case .failure(let error) = result { Issue.record("\(error.diagnostics.map(\.description))") }
        return try #require(result.value)
    }

    @Test func anINIHostThatIsOnlyAnSSHConfigAliasResolvesThroughIt() throws {
        let inventory = try load("hosts", """
            [db]
            db-primary
            cache1

            [legacy]
            legacy-app01 ansible_host=10.0.7.1

            [unknown]
            plain.example.com
            """)
        let db = try #require(inventory.host(named: "db-primary"))
        #expect(db.address == "10.0.4.5", "HostName from an included file")
        #expect(db.user == "postgres")
        #expect(db.jumps == [JumpHost(address: "203.0.113.10", port: 2222, user: "jump")], "the ProxyJump alias resolved too")
        #expect(inventory.host(named: "cache1")?.address == "10.0.9.1", "a second Include line")
        let legacy = try #require(inventory.host(named: "legacy-app01"))
        #expect(legacy.address == "10.0.7.1", "ansible_host wins over ssh_config")
        #expect(legacy.user == "admin")
        #expect(legacy.identityFiles == [home.path + "/.ssh/legacy_ed25519"])
        #expect(inventory.host(named: "plain.example.com")?.address == "plain.example.com", "no alias: the name is the address")
    }

    @Test func proxyJumpAndProxyCommandInAnsibleSSHCommonArgs() throws {
        let inventory = try load("inventory.ini", """
            [web]
            web1 ansible_host=10.0.1.11
            web2 ansible_host=10.0.1.12 ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p -q -p 2200 ops@203.0.113.20"'
            web3 ansible_host=10.0.1.13 ansible_ssh_extra_args="-J jump@203.0.113.30:2222,10.0.0.5"

            [web:vars]
            ansible_user=deploy
            ansible_ssh_common_args='-o ProxyJump=bastion@203.0.113.10 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
            """)
        let web1 = try #require(inventory.host(named: "web1"))
        #expect(web1.jumps == [JumpHost(address: "203.0.113.10", user: "bastion")])
        #expect(web1.hostKeyChecking == .off)
        #expect(web1.knownHostsFile == "/dev/null")
        #expect(inventory.host(named: "web2")?.jumps == [JumpHost(address: "203.0.113.20", port: 2200, user: "ops")])
        #expect(inventory.host(named: "web3")?.jumps == [JumpHost(address: "203.0.113.30", port: 2222, user: "jump"), JumpHost(address: "10.0.0.5")])
    }

    @Test func aProxyCommandHoistCannotFollowIsAnError() throws {
        let path = try project.write("bad.ini", """
            [web]
            web1 ansible_host=10.0.1.11 ansible_ssh_common_args='-o ProxyCommand="nc -X 5 -x proxy:1080 %h %p"'
            """)
        let result = InventoryLoader.load(path: path, environment: ConfigEnvironment(homeDirectory: home.path, currentDirectory: project.path))
        #expect(messages(result).contains { $0.contains("ProxyCommand `nc -X 5 -x proxy:1080 %h %p` is not one Hoist can follow (use -o ProxyJump=") })
    }

    @Test func aRangeInAnsibleHostPairsWithTheNameRange() throws {
        let inventory = try load("ranges.ini", """
            [web]
            web[01:04] ansible_host=10.0.1.[11:14]
            api[a:b].internal ansible_host=10.0.2.[1:2] ansible_port=2222
            """)
        #expect(inventory.hosts.map { "\($0.name)=\($0.address):\($0.port)" } == [
            "web01=10.0.1.11:22", "web02=10.0.1.12:22", "web03=10.0.1.13:22", "web04=10.0.1.14:22",
            "apia.internal=10.0.2.1:2222", "apib.internal=10.0.2.2:2222",
        ])
        let yaml = try load("ranges.yml", """
            all:
              children:
                web:
                  hosts:
                    web[1:3]:
                      ansible_host: 192.168.0.[21:23]
            """)
        #expect(yaml.hosts.map(\.address) == ["192.168.0.21", "192.168.0.22", "192.168.0.23"])
    }

    @Test func aRangeInAnsibleHostThatDoesNotPairIsAnError() throws {
        let path = try project.write("uneven.ini", "[web]\nweb[1:3] ansible_host=10.0.1.[11:12]\n")
        let result = InventoryLoader.load(path: path, environment: ConfigEnvironment(homeDirectory: home.path, currentDirectory: project.path))
        #expect(messages(result) == [
            "\(path):2:1: error: web.web[1:3]: the address range gives 2 addresses but the host name range gives 3 names (make both ranges the same length)",
        ])
    }

    @Test func anIncludeLoopIsReportedNotFollowedForever() throws {
        try home.write(".ssh/loop.conf", "Include loop.conf\n")
        let (_, problems) = SSHConfig.parse(
            "Include loop.conf\n", file: "config", baseDirectory: home.path + "/.ssh", homeDirectory: home.path,
            files: SSHConfig.IncludedFiles(read: ConfigEnvironment.readFromDisk, list: ConfigEnvironment.listFromDisk))
        #expect(problems.map(\.message) == ["Include is nested more than 16 deep"])
    }

    @Test func optionsAfterAnIncludeInsideAHostBlockStayInThatBlock() {
        let files: [String: String] = ["/h/.ssh/inner": "User fromInclude\nHost other\n  User otheruser\n"]
        let (config, _) = SSHConfig.parse(
            "Host app\n  Include inner\n  Port 2201\n", file: "config", baseDirectory: "/h/.ssh", homeDirectory: "/h",
            files: SSHConfig.IncludedFiles(read: { files[$0] }, list: { _ in [] }))
        let app = config.options(for: ["app"])
        #expect(app.user == "fromInclude")
        #expect(app.port == 2201)
        #expect(config.options(for: ["other"]).user == "otheruser")
        #expect(config.options(for: ["other"]).port == nil)
    }
}
