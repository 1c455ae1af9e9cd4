import Foundation
import HoistConfig
import HoistCore
import Testing

@Suite struct SSHConfigTests {
    static let config = """
        # a realistic client config
        Host bastion
            HostName 203.0.113.10
            User jump
            Port 2022

        Host web* !web-legacy
            User deploy
            IdentityFile ~/.ssh/web_ed25519
            ProxyJump bastion.example.com,ops@10.0.0.1:2200
            StrictHostKeyChecking accept-new

        Host web-legacy
            ProxyJump none
            StrictHostKeyChecking no

        Host db?
            HostName %h.db.internal
            UserKnownHostsFile ~/.ssh/known_hosts_db /etc/ssh/other

        Host *
            User fallback
            Port 22
            IdentityFile ~/.ssh/id_ed25519
            StrictHostKeyChecking yes
        """

    func options(_ names: String...) -> SSHConfig.Options {
        SSHConfig.parse(Self.config, file: "config", baseDirectory: "/home/ops/.ssh", homeDirectory: "/home/ops").0.options(for: names)
    }

    @Test func firstMatchWinsPerOptionAndIdentityFilesAddUp() {
        let web = options("web01")
        #expect(web.user == "deploy")
        #expect(web.port == 22)
        #expect(web.identityFiles == ["/home/ops/.ssh/web_ed25519", "/home/ops/.ssh/id_ed25519"])
        #expect(web.proxyJump == ["bastion.example.com", "ops@10.0.0.1:2200"])
        #expect(web.hostKeyChecking == .acceptNew)
    }

    @Test func negatedPatternsExcludeAndNoneClearsTheJump() {
        let legacy = options("web-legacy")
        #expect(legacy.user == "fallback")
        #expect(legacy.proxyJump == [])
        #expect(legacy.hostKeyChecking == .off)
    }

    @Test func hostNameTokensAndKnownHosts() {
        let db = options("db1")
        #expect(db.hostName == "db1.db.internal")
        #expect(db.knownHostsFile == "/home/ops/.ssh/known_hosts_db")
        #expect(options("db12").hostName == nil)
        #expect(options("bastion").port == 2022)
    }

    @Test(arguments: [
        ("web*", "web01", true), ("web*", "api01", false), ("db?", "db1", true), ("db?", "db12", false),
        ("*.example.com", "a.example.com", true), ("WEB01", "web01", true),
    ])
    func globs(pattern: String, host: String, expected: Bool) {
        let text = "Host \(pattern)\n  User matched\n"
        let options = SSHConfig.parse(text, file: "c", baseDirectory: "/", homeDirectory: "/h").0.options(for: [host])
        #expect((options.user == "matched") == expected)
    }

    @Test func badValuesAreReported() {
        let (_, problems) = SSHConfig.parse("Host a\n  Port 99999\n  StrictHostKeyChecking perhaps\n", file: "cfg",
                                            baseDirectory: "/", homeDirectory: "/h")
        #expect(problems.map(\.description) == [
            "cfg:2:1: error: Port: must be a port number from 1 to 65535, not '99999'",
            "cfg:3:1: error: StrictHostKeyChecking: must be one of yes, accept-new, no, off, not 'perhaps'",
        ])
    }

    /// Two files that each `Include` their own folder's glob gave 65,536 identical "nested
    /// more than 16 deep" lines (12 files ran for minutes): the first one stops everything.
    @Test func anIncludeGlobLoopStopsAtTheFirstTooDeepInclude() {
        let files: [String: String] = ["/h/.ssh/d/a": "Include /h/.ssh/d/*\n", "/h/.ssh/d/b": "Include /h/.ssh/d/*\n"]
        let (_, problems) = SSHConfig.parse(
            "Include d/*\nHost x\n  Port 0\n", file: "/h/.ssh/config", baseDirectory: "/h/.ssh", homeDirectory: "/h",
            files: SSHConfig.IncludedFiles(read: { files[$0] }, list: { $0 == "/h/.ssh/d" ? ["a", "b"] : [] }))
        #expect(problems.map(\.description) == [
            "/h/.ssh/d/a:1:1: error: Include: Include is nested more than 16 deep (an included file probably includes itself, or a folder it globs)",
        ])
    }

    /// Includes that do not loop can still multiply: each of 15 files naming the next twice
    /// read 32,768 files.
    @Test func includesThatMultiplyStopAtAThousandFiles() {
        var chain: [String: String] = ["/h/.ssh/f15": "User u\n"]
        for n in 1..<15 { chain["/h/.ssh/f\(n)"] = "Include f\(n + 1) f\(n + 1)\n" }
        let files = chain
        let (_, problems) = SSHConfig.parse(
            "Include f1\n", file: "/h/.ssh/config", baseDirectory: "/h/.ssh", homeDirectory: "/h",
            files: SSHConfig.IncludedFiles(read: { files[$0] }, list: { _ in [] }))
        #expect(problems.map(\.description) == [
            "/h/.ssh/f13:1:1: error: Include: Include reads more than 1000 files in all (an included file probably names the same files more than once)",
        ])
    }

    /// Inventory values win over ssh_config; ssh_config wins over Hoist's built-in defaults.
    /// Uses real temporary files, never the real ~/.ssh.
    @Test func inventoryWinsOverSSHConfigReadFromDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-sshcfg-\(UUID().uuidString)")
        let home = dir.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".ssh"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.config.write(to: home.appendingPathComponent(".ssh/config"), atomically: true, encoding: .utf8)
        let inventoryText = """
            defaults:
              port: 2200
            hosts:
              web01:
                address: 10.0.0.11
              web02:
                address: 10.0.0.12
                user: override
                identity_file: keys/web02
                host_key_checking: strict
              db1:
                tags: {role: db}
            """
        let inventoryFile = dir.appendingPathComponent("inventory.yml")
        try inventoryText.write(to: inventoryFile, atomically: true, encoding: .utf8)
        let environment = ConfigEnvironment(homeDirectory: home.path, currentDirectory: dir.path)
        let inventory = try #require(InventoryLoader.load(path: inventoryFile.path, environment: environment).value)

        let web01 = try #require(inventory.host(named: "web01"))
        #expect(web01.user == "deploy")
        #expect(web01.port == 2200)
        #expect(web01.hostKeyChecking == .acceptNew)
        #expect(web01.identityFiles == [home.path + "/.ssh/web_ed25519", home.path + "/.ssh/id_ed25519"])
        // Each hop is looked up in ssh_config as ssh does: `Host *` gives bastion.example.com its user.
        #expect(web01.jumps == [JumpHost(address: "bastion.example.com", user: "fallback"), JumpHost(address: "10.0.0.1", port: 2200, user: "ops")])

        let web02 = try #require(inventory.host(named: "web02"))
        #expect(web02.user == "override")
        #expect(web02.identityFiles == [dir.path + "/keys/web02"])
        #expect(web02.hostKeyChecking == .strict)

        // No address in the inventory: ssh_config's HostName supplies it.
        #expect(inventory.host(named: "db1")?.address == "db1.db.internal")
    }

    @Test func namedSSHConfigMustExist() {
        let text = "defaults:\n  ssh_config: missing_config\nhosts:\n  a: {address: 10.0.0.1}\n"
        #expect(messages(InventoryLoader.parse(text: text, file: "inv/i.yml", environment: memoryEnvironment())) == [
            "inv/i.yml: error: defaults.ssh_config: cannot read the ssh_config file /work/inv/missing_config (fix the path or remove 'ssh_config')",
        ])
    }
}
