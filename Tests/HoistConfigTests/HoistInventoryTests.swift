import HoistConfig
import HoistCore
import Testing

@Suite struct HoistInventoryTests {
    static let fleet = """
        defaults:
          user: root
          port: 22
          identity_file: id_ed25519
          known_hosts: known_hosts
          host_key_checking: strict
          deployment_root: /var/lib/hoist
          become: false
          jump: root@10.77.0.11
        hosts:
          h001:
            address: 10.77.0.11
            tags: {role: web, env: test, color: blue, rack: r1}
          inner1:
            address: 10.77.1.21
            jump: root@10.77.0.11
            tags: {role: inner, env: test, canary: }
        """

    @Test func readsTheFleetGeneratorsShape() throws {
        let inventory = try #require(InventoryLoader.parse(text: Self.fleet, file: "inv/fleet.yml", environment: memoryEnvironment()).value)
        #expect(inventory.format == .hoist)
        #expect(inventory.hosts.map(\.name) == ["h001", "inner1"])
        let h001 = inventory.hosts[0]
        #expect(h001 == HostSpec(
            name: "h001", address: "10.77.0.11", port: 22, user: "root", identityFiles: ["/work/inv/id_ed25519"],
            knownHostsFile: "/work/inv/known_hosts", hostKeyChecking: .strict, jumps: [], become: false,
            deploymentRoot: "/var/lib/hoist", tags: [Tag("role", "web"), Tag("env", "test"), Tag("color", "blue"), Tag("rack", "r1")]))
        let inner = inventory.hosts[1]
        #expect(inner.jumps == [JumpHost(address: "10.77.0.11", port: 22, user: "root")])
        #expect(inner.tags == [Tag("role", "inner"), Tag("env", "test"), Tag("canary")])
    }

    @Test func rangesPairNamesWithAddresses() throws {
        let text = """
            hosts:
              web[01:03]:
                address: 10.0.0.[11:13]
                tags: [canary, "role=web"]
              db[a:b]:
                address: db.internal
                port: 2200
            """
        let inventory = try #require(InventoryLoader.parse(text: text, file: "i.yml", environment: memoryEnvironment()).value)
        #expect(inventory.hosts.map { "\($0.name)@\($0.address):\($0.port)" } == [
            "web01@10.0.0.11:22", "web02@10.0.0.12:22", "web03@10.0.0.13:22", "dba@db.internal:2200", "dbb@db.internal:2200",
        ])
        #expect(inventory.hosts[0].tags == [Tag("canary"), Tag("role", "web")])
    }

    @Test func jumpThroughAnInventoryHostChainsItsOwnHops() throws {
        let text = """
            defaults:
              jump: edge
            hosts:
              outer:
                address: 203.0.113.5
                user: gate
                port: 2022
                jump: []
              edge:
                address: 10.0.0.1
                jump: outer
              app:
                address: 10.0.1.1
              far:
                address: 10.0.2.1
                jump: "app, ops@[fd00::1]:2200"
            """
        let inventory = try #require(InventoryLoader.parse(text: text, file: "i.yml", environment: memoryEnvironment()).value)
        let outer = JumpHost(address: "203.0.113.5", port: 2022, user: "gate")
        let edge = JumpHost(address: "10.0.0.1", port: 22, user: "root")
        #expect(inventory.host(named: "outer")?.jumps == [])
        #expect(inventory.host(named: "edge")?.jumps == [outer])
        #expect(inventory.host(named: "app")?.jumps == [outer, edge])
        #expect(inventory.host(named: "far")?.jumps == [
            outer, edge, JumpHost(address: "10.0.1.1", port: 22, user: "root"),
            JumpHost(address: "fd00::1", port: 2200, user: "ops"),
        ])
    }

    @Test func reportsEveryProblemWithItsPlace() {
        let text = """
            defaults:
              usr: root
              host_key_checking: maybe
            hosts:
              a:
                address: 10.0.0.1
                port: 70000
              b:
                tags: {role: web}
              web[1:3]:
                address: 10.0.0.[1:2]
              c:
                address: 10.0.0.9
                jump: nowhere:99999
                becom: true
              d:
                address: 10.0.9.[1:3]
            """
        #expect(messages(InventoryLoader.parse(text: text, file: "bad.yml", environment: memoryEnvironment())) == [
            "bad.yml:2:3: error: defaults.usr: unknown key 'usr' (did you mean 'user'?)",
            "bad.yml:3:22: error: defaults.host_key_checking: must be one of strict, accept-new, off, not 'maybe'",
            "bad.yml:7:11: error: hosts.a.port: must be a port number from 1 to 65535, not 70000",
            "bad.yml:11:14: error: hosts.web[1:3].address: the address range gives 2 addresses but the host name range gives 3 names (make both ranges the same length)",
            "bad.yml:15:5: error: hosts.c.becom: unknown key 'becom' (did you mean 'become'?)",
            "bad.yml:17:14: error: hosts.d.address: the address has a range of 3 but the host name 'd' has none (give the name a range of the same length, e.g. d[01:03])",
            "bad.yml:8:3: error: hosts.b: host 'b' has no address (add 'address: <IP or DNS name>')",
            "bad.yml:14:11: error: hosts.c.jump: 'nowhere:99999' is neither a host of this inventory nor user@host:port (the port must be from 1 to 65535)",
        ])
    }

    /// Values ssh or su would read as options or as several words were only refused when
    /// connecting (exit 5, no line named).
    @Test func anAddressOrUserThatIsNoNameIsAnError() {
        let text = """
            hosts:
              a:
                address: "-oProxyCommand=touch /tmp/x"
              b:
                address: "10.0.0.2 -p 2222"
              c:
                address: 10.0.0.3
                user: "root; touch /tmp/x"
              d:
                address: "fe80::1%eth0"
                user: alice@example.com
            """
        let result = InventoryLoader.parse(text: text, file: "hostile.yml", environment: memoryEnvironment())
        #expect(messages(result) == [
            "hostile.yml:2:3: error: hosts.a: host 'a' has the address '-oProxyCommand=touch /tmp/x': it starts with '-', which would be read as an option (give an IP address or a DNS name)",
            "hostile.yml:4:3: error: hosts.b: host 'b' has the address '10.0.0.2 -p 2222': it holds a space (U+20) (give an IP address or a DNS name)",
            "hostile.yml:6:3: error: hosts.c: host 'c' has the user 'root; touch /tmp/x': it holds a space (U+20) (give the SSH user's name)",
        ])
    }

    /// A jump host is held to the rules of a host's address and user, wherever it is
    /// written: `-oProxyCommand=evil` as a hop was accepted and reached ssh as an option.
    @Test func aJumpHostThatIsNoNameIsAnErrorWhereItIsWritten() {
        let text = """
            defaults:
              jump: "a$(id)b"
            hosts:
              a:
                address: 10.0.0.1
                jump: "-oProxyCommand=evil"
              b:
                address: 10.0.0.2
              c:
                address: 10.0.0.3
                jump: [ok.example.com, "x y@bastion"]
              d:
                address: 10.0.0.4
                jump: alias
              e:
                address: 10.0.0.5
                jump: []
            """
        let environment = memoryEnvironment([
            "/home/ops/.ssh/config": "Host d\n  ProxyJump -oProxyCommand=evil2\nHost alias\n  HostName -oProxyCommand=evil3\n",
        ])
        #expect(messages(InventoryLoader.parse(text: text, file: "jump.yml", environment: environment)) == [
            "jump.yml:6:11: error: hosts.a.jump: jump host '-oProxyCommand=evil' has the address '-oProxyCommand=evil': it starts with '-', which would be read as an option (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
            "jump.yml:2:9: error: defaults.jump: jump host 'a$(id)b' has the address 'a$(id)b': it holds '$', which no IP address or DNS name does (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
            "jump.yml:11:11: error: hosts.c.jump: jump host 'x y@bastion' has the user 'x y': it holds a space (U+20) (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
            "jump.yml:14:11: error: hosts.d.jump: jump host 'alias' has the address '-oProxyCommand=evil3': it starts with '-', which would be read as an option (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
        ])
        let fromSSHConfig = "hosts:\n  d:\n    address: 10.0.0.4\n"
        #expect(messages(InventoryLoader.parse(text: fromSSHConfig, file: "jump.yml", environment: environment)) == [
            "/home/ops/.ssh/config:2:1: error: ProxyJump: jump host '-oProxyCommand=evil2' has the address '-oProxyCommand=evil2': it starts with '-', which would be read as an option (name a host of this inventory, or user@host:port with an IP address or a DNS name)",
        ])
    }

    /// A host name comes back as a `--hosts` term (`redeploy`, `rollback`) and is printed in
    /// plain output: one that is empty, holds a control character (a newline forged lines in
    /// cron mail), starts with `-` or is pattern syntax was accepted and broke them later.
    @Test func aHostNameHostsCannotSelectAgainIsAnError() {
        let text = """
            hosts:
              "": {address: 10.0.0.1}
              "a\\nb": {address: 10.0.0.2}
              "a\\0b": {address: 10.0.0.3}
              -x: {address: 10.0.0.4}
              "a,b": {address: 10.0.0.5}
              web*: {address: 10.0.0.6}
              role=web: {address: 10.0.0.7}
              "!x": {address: 10.0.0.8}
              "~x": {address: 10.0.0.9}
              "a b": {address: 10.0.0.10}
              ok-1.example_host: {address: 10.0.0.11}
            """
        let hint = "(use letters, digits, '.', '_' and '-' (not first); --hosts reads , = * ? [ ] \\ and a leading ! & ~ as pattern syntax)"
        #expect(messages(InventoryLoader.parse(text: text, file: "names.yml", environment: memoryEnvironment())) == [
            "names.yml:2:3: error: hosts.: the host name \"\" cannot be used: it is empty \(hint)",
            "names.yml:3:3: error: hosts.a\\u{A}b: the host name \"a\\u{A}b\" cannot be used: it holds a control character (U+A) \(hint)",
            "names.yml:4:3: error: hosts.a\\u{0}b: the host name \"a\\u{0}b\" cannot be used: it holds a control character (U+0) \(hint)",
            "names.yml:5:3: error: hosts.-x: the host name \"-x\" cannot be used: it starts with '-', which would be read as an option \(hint)",
            "names.yml:6:3: error: hosts.a,b: the host name \"a,b\" cannot be used: it holds ',', which --hosts reads as pattern syntax \(hint)",
            "names.yml:7:3: error: hosts.web*: the host name \"web*\" cannot be used: it holds '*', which --hosts reads as pattern syntax \(hint)",
            "names.yml:8:3: error: hosts.role=web: the host name \"role=web\" cannot be used: it holds '=', which --hosts reads as pattern syntax \(hint)",
            "names.yml:9:3: error: hosts.!x: the host name \"!x\" cannot be used: it starts with '!', which --hosts reads as pattern syntax \(hint)",
            "names.yml:10:3: error: hosts.~x: the host name \"~x\" cannot be used: it starts with '~', which --hosts reads as pattern syntax \(hint)",
            "names.yml:11:3: error: hosts.a b: the host name \"a b\" cannot be used: it holds a space (U+20) \(hint)",
        ])
    }

    /// A range bomb is refused before any name is made (it took 10 to 15 GB).
    @Test func aRangeOfMoreThanTenThousandNamesIsAnError() {
        let text = """
            hosts:
              h[0000001:9999999]:
                address: 10.0.0.1
              w[1:9][1:9][1:9][1:9][1:9]:
                address: 10.0.0.2
              ok[1:10000]:
                address: 10.0.0.3
            """
        let result = InventoryLoader.parse(text: text, file: "bomb.yml", environment: memoryEnvironment())
        #expect(messages(result) == [
            "bomb.yml:2:3: error: hosts.h[0000001:9999999]: 'h[0000001:9999999]' gives 9999999 host names; at most 10000 are allowed (split the hosts into smaller ranges, or check the range's bounds)",
            "bomb.yml:4:3: error: hosts.w[1:9][1:9][1:9][1:9][1:9]: 'w[1:9][1:9][1:9][1:9][1:9]' gives 59049 host names; at most 10000 are allowed (split the hosts into smaller ranges, or check the range's bounds)",
        ])
    }

    /// Each pattern was capped, the inventory was not: 100 lines of `gN-[0000:9999]` made
    /// 1,000,000 hosts and 2.4 GB. The pattern that goes past 100,000 is the one error.
    @Test func anInventoryOfMoreThanAHundredThousandHostsIsAnError() {
        let yaml = "hosts:\n" + (0..<100).map { "  g\($0)-[0000:9999]: {address: 10.0.0.1}\n" }.joined()
        #expect(messages(InventoryLoader.parse(text: yaml, file: "cap.yml", environment: memoryEnvironment())) == [
            "cap.yml:12:3: error: hosts.g10-[0000:9999]: 'g10-[0000:9999]' takes the inventory past 100000 host names, the most one inventory may have (a host listed in several groups counts once per listing) (split the hosts into several inventories, or check the ranges' bounds)",
        ])
        let ini = "[web]\n" + (0..<5).map { "g\($0)-[0000:9999]\n" }.joined() + "[db]\n" + (0..<5).map { "g\($0)-[0000:9999]\n" }.joined() + "one-more\n"
        #expect(messages(InventoryLoader.parse(text: ini, file: "cap.ini", environment: memoryEnvironment())) == [
            "cap.ini:13:1: error: db: 'one-more' takes the inventory past 100000 host names, the most one inventory may have (a host listed in several groups counts once per listing) (split the hosts into several inventories, or check the ranges' bounds)",
        ])
    }

    @Test func duplicateHostNamesAreErrors() {
        let expanded = """
            hosts:
              web[1:2]:
                address: 10.0.0.[1:2]
              web2:
                address: 10.0.0.3
            """
        #expect(messages(InventoryLoader.parse(text: expanded, file: "dup.yml", environment: memoryEnvironment())) == [
            "dup.yml:4:3: error: hosts.web2: duplicate host name 'web2' (first defined at line 2) (host names must be unique in an inventory)",
        ])
        let literal = "hosts:\n  a: {address: 1.1.1.1}\n  a: {address: 1.1.1.2}\n"
        #expect(messages(InventoryLoader.parse(text: literal, file: "dup.yml", environment: memoryEnvironment())) == [
            "dup.yml:2:3: error: duplicate key a in one mapping (each key may appear once; remove or rename the repeated one)",
        ])
    }

    @Test func brokenYAMLAndEmptyInventories() {
        #expect(messages(InventoryLoader.parse(text: "hosts:\n  a: [\n", file: "x.yml", environment: memoryEnvironment())).count == 1)
        #expect(messages(InventoryLoader.parse(text: "defaults: {user: a}\n", file: "x.yml", environment: memoryEnvironment())) == [
            "x.yml:1:1: error: hosts: the inventory has no 'hosts' section (add 'hosts:' with one entry per host)",
        ])
        #expect(messages(InventoryLoader.parse(text: "hosts: {}\n", file: "x.yml", environment: memoryEnvironment())) == [
            "x.yml: error: the inventory has no hosts",
        ])
    }
}
