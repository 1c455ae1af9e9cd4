import Foundation
import HoistConfig
import HoistCore
import Testing

@Suite struct PlaybookTests {
    func parse(_ text: String, file: String = "pb/deploy.yml") -> Result<Playbook, DiagnosticsError> {
        PlaybookParser.parse(text: text, file: file, baseDirectory: "/srv/pb", homeDirectory: "/home/ops")
    }

    @Test func readsEveryKey() throws {
        let text = """
            application: shop
            deployment_group: shop-web
            inventory: ../inventory/prod.yml
            targets:
              - {role: web, canary: null}
              - - env=prod
                - {value: blue}
                - {key: rack}
                - {key: tier, value: front}
            deployment_config: CodeDeployDefault.HalfAtATime
            revision: ./app
            file_exists_behavior: RETAIN
            ignore_application_stop_failures: yes
            auto_rollback: {on_failure: true, on_stop: true}
            load_balancers:
              - {name: edge, type: haproxy, socket: run/admin.sock, backend: app, drain_timeout: 5, health_timeout: 60}
              - {name: remote, type: haproxy, socket: /run/haproxy.sock, via: lb1, backend: app, server: "{address}"}
              - {name: front, type: nginx, upstream_file: conf/up.conf, upstream: shop}
              - {name: lb2, type: nginx, host: lb2, upstream_file: /etc/nginx/up.conf, upstream: shop, health_path: /ready, pid_file: /run/ngx.pid}
              - {name: local, type: nginx, upstream_file: up.conf, upstream: shop, pid_file: run/nginx.pid}
              - {name: hook, type: command, register: ./reg, deregister: ./dereg, health: ./health}
            blue_green: {fleet_tag: color, fleets: [blue, green], ready_wait: 300, original_fleet: TERMINATE, termination_wait: 60}
            ssh: {connect_timeout: 7, user: ops, identity_file: ~/.ssh/k, known_hosts: kh, host_key_checking: accept-new, jump: "bastion,ops@10.0.0.1:2200", handshake_concurrency: 8, concurrency: 32}
            max_revisions: 3
            history: state/history.sqlite
            """
        let playbook = try #require(parse(text).value)
        #expect(playbook.application == "shop")
        #expect(playbook.deploymentGroup == "shop-web")
        #expect(playbook.inventoryPath == "/srv/inventory/prod.yml")
        #expect(playbook.targets.map(\.filters) == [
            [.keyAndValue("role", "web"), .key("canary")],
            [.keyAndValue("env", "prod"), .value("blue"), .key("rack"), .keyAndValue("tier", "front")],
        ])
        #expect(playbook.targets.map(\.line) == [5, 6])
        #expect(playbook.deploymentConfig == .halfAtATime)
        #expect(playbook.revisionPath == "/srv/pb/app")
        #expect(playbook.fileExistsBehavior == .retain)
        #expect(playbook.ignoreApplicationStopFailures)
        #expect(playbook.autoRollback == AutoRollback(onFailure: true, onStop: true))
        #expect(playbook.loadBalancers == [
            LoadBalancerSpec(name: "edge", driver: .haproxy(.init(socketPath: "/srv/pb/run/admin.sock", backend: "app")),
                             drainTimeoutSeconds: 5, healthTimeoutSeconds: 60),
            LoadBalancerSpec(name: "remote", driver: .haproxy(.init(socketPath: "/run/haproxy.sock", viaHost: "lb1", backend: "app",
                                                                    serverTemplate: "{address}"))),
            LoadBalancerSpec(name: "front", driver: .nginx(.init(upstreamFile: "/srv/pb/conf/up.conf", upstream: "shop"))),
            LoadBalancerSpec(name: "lb2", driver: .nginx(.init(host: "lb2", upstreamFile: "/etc/nginx/up.conf", upstream: "shop",
                                                               healthPath: "/ready", pidFile: "/run/ngx.pid"))),
            LoadBalancerSpec(name: "local", driver: .nginx(.init(upstreamFile: "/srv/pb/up.conf", upstream: "shop",
                                                                 pidFile: "/srv/pb/run/nginx.pid"))),
            LoadBalancerSpec(name: "hook", driver: .command(.init(register: "./reg", deregister: "./dereg", health: "./health"))),
        ])
        #expect(playbook.blueGreen == BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"], readyWaitSeconds: 300,
                                                    originalFleetAction: .terminate, terminationWaitSeconds: 60))
        #expect(playbook.ssh == SSHOverrides(
            connectTimeoutSeconds: 7, user: "ops", identityFiles: ["/home/ops/.ssh/k"], knownHostsFile: "/srv/pb/kh",
            hostKeyChecking: .acceptNew, jump: ["bastion", "ops@10.0.0.1:2200"], handshakeConcurrency: 8, concurrency: 32))
        #expect(playbook.maxRevisions == 3)
        #expect(playbook.historyPath == "/srv/pb/state/history.sqlite")
    }

    @Test func defaultsAndASingleLoadBalancer() throws {
        let text = """
            application: shop
            inventory: hosts.ini
            deployment_config:
              name: TwoZones
              minimum_healthy_hosts: {type: HOST_COUNT, value: 2}
              zone: rack
              minimum_healthy_hosts_per_zone: {type: FLEET_PERCENT, value: 50}
              monitor_duration: 60
              first_zone_monitor_duration: 30
            load_balancer: {type: haproxy, address: 127.0.0.1:9999, backend: app}
            """
        let playbook = try #require(parse(text, file: "pb/web-prod.yml").value)
        #expect(playbook.deploymentGroup == "web-prod")
        #expect(playbook.targets == [])
        #expect(playbook.deploymentConfig == DeploymentConfig(
            name: "TwoZones", minimumHealthyHosts: .init(.hostCount, 2),
            zonal: ZonalConfig(zoneTag: "rack", minimumHealthyHostsPerZone: .init(.fleetPercent, 50),
                               monitorDurationSeconds: 60, firstZoneMonitorDurationSeconds: 30)))
        #expect(playbook.loadBalancers.map(\.name) == ["haproxy"])
        #expect(playbook.fileExistsBehavior == .disallow)
        #expect(playbook.maxRevisions == 5)
        #expect(playbook.autoRollback == AutoRollback())
    }

    @Test(arguments: [
        ("{role: web, canary: }", [[TagFilter.keyAndValue("role", "web"), .key("canary")]]),
        ("[role=web, canary, =blue]", [[.keyAndValue("role", "web"), .key("canary"), .value("blue")]]),
        ("[[web], {env: prod}]", [[.key("web")], [.keyAndValue("env", "prod")]]),
        ("[]", []),
        ("", []),
    ] as [(String, [[TagFilter]])])
    func targetShapes(yaml: String, expected: [[TagFilter]]) throws {
        let playbook = try #require(parse("application: a\ninventory: i.yml\ntargets: \(yaml)\n").value)
        #expect(playbook.targets.map(\.filters) == expected)
    }

    @Test(arguments: [
        ("OneAtATime", DeploymentConfig.oneAtATime), ("CodeDeployDefault.AllAtOnce", .allAtOnce), ("HalfAtATime", .halfAtATime),
    ])
    func predefinedConfigs(name: String, expected: DeploymentConfig) throws {
        let playbook = try #require(parse("application: a\ninventory: i.yml\ndeployment_config: \(name)\n").value)
        #expect(playbook.deploymentConfig == expected)
    }

    /// Each bad playbook, and the exact message it gets.
    @Test(arguments: [
        ("aplication: shop\ninventory: i.yml\n", [
            "p.yml:1:1: error: aplication: unknown key 'aplication' (did you mean 'application'?)",
            "p.yml:1:1: error: application: the playbook has no 'application' (add 'application: <name>')",
        ]),
        ("application: shop\n", [
            "p.yml:1:1: error: inventory: the playbook has no 'inventory' (add 'inventory: <path to the inventory file>')",
        ]),
        ("application: shop app\ninventory: i.yml\n", [
            "p.yml:1:14: error: application: 'shop app' is not a valid name (use up to 100 letters, digits and . _ + = , @ -)",
        ]),
        ("application: a\ninventory: i.yml\ndeployment_config: HalfAtTime\n", [
            "p.yml:3:20: error: deployment_config: must be one of OneAtATime, HalfAtATime, AllAtOnce or a mapping, not 'HalfAtTime' (did you mean 'HalfAtATime'?)",
        ]),
        ("application: a\ninventory: i.yml\ndeployment_config:\n  minimum_healthy_hosts: {type: FLEET_PERCENT, value: 100}\n  monitor_duration: 5\n", [
            "p.yml:4:55: error: deployment_config.minimum_healthy_hosts.value: must be a percentage from 0 to 99 for FLEET_PERCENT, not 100",
            "p.yml:5:3: error: deployment_config.monitor_duration: only applies to zonal deployments (add 'zone: <tag key>' or remove 'monitor_duration')",
        ]),
        ("application: a\ninventory: i.yml\ndeployment_config:\n  name: CodeDeployDefault.OneAtATime\n  minimum_healthy_hosts: {type: HOST_COUNT, value: 0}\n", [
            "p.yml:4:9: error: deployment_config.name: 'CodeDeployDefault.OneAtATime' is a predefined configuration's name; a custom one's must not be one or start with 'CodeDeployDefault.' (name it something else, or write 'deployment_config: CodeDeployDefault.OneAtATime' for the predefined one)",
        ]),
        ("application: a\ninventory: i.yml\ndeployment_config: {name: AllAtOnce, minimum_healthy_hosts: {type: FLEET_PERCENT, value: 75}}\n", [
            "p.yml:3:27: error: deployment_config.name: 'AllAtOnce' is a predefined configuration's name; a custom one's must not be one or start with 'CodeDeployDefault.' (name it something else, or write 'deployment_config: AllAtOnce' for the predefined one)",
        ]),
        ("application: a\ninventory: i.yml\ndeployment_config:\n  minimum_healthy_hosts: {type: HOSTS, value: 1}\n", [
            "p.yml:4:33: error: deployment_config.minimum_healthy_hosts.type: must be one of HOST_COUNT, FLEET_PERCENT, not 'HOSTS'",
        ]),
        ("application: a\ninventory: i.yml\ntargets: [{a: 1}, {b: 2}, {c: 3}, {d: 4}]\n", [
            "p.yml:3:10: error: targets: has 4 tag groups; at most 3 are allowed (a host must match every group; merge groups or use fewer)",
        ]),
        ("application: a\ninventory: i.yml\ntargets:\n  - [{kee: role}]\n  - []\n", [
            "p.yml:4:7: error: targets[0][0].kee: unknown key 'kee' (did you mean 'key'?)",
            "p.yml:4:5: error: targets[0]: a tag group needs at least one filter",
            "p.yml:5:5: error: targets[1]: a tag group needs at least one filter",
        ]),
        ("application: a\ninventory: i.yml\nload_balancers:\n  - {type: haproxy, socket: s, address: 'h:1', backend: b}\n  - {type: nginx, upstream: u, drain_timeout: -1}\n  - {type: f5}\n", [
            "p.yml:4:5: error: load_balancers[0]: an haproxy load balancer needs exactly one of 'socket' (admin socket path) or 'address' (host:port of a TCP runtime API)",
            "p.yml:5:47: error: load_balancers[1].drain_timeout: must be a number of seconds, 0 or more, not -1",
            "p.yml:5:5: error: load_balancers[1].upstream_file: this load balancer needs 'upstream_file'",
            "p.yml:6:12: error: load_balancers[2].type: must be one of haproxy, nginx, command, not 'f5'",
        ]),
        ("application: a\ninventory: i.yml\nblue_green: {fleet_tag: color, fleets: [blue, blue]}\n", [
            "p.yml:3:40: error: blue_green.fleets: must name exactly two different fleets, e.g. [blue, green]",
            "p.yml:3:13: error: blue_green: blue/green deployments need a load balancer to move traffic (add 'load_balancers:')",
        ]),
        ("application: a\ninventory: i.yml\nfile_exists_behavior: KEEP\nmax_revisions: 0\nauto_rollback: {on_failure: maybe}\nssh: {concurency: 3}\n", [
            "p.yml:3:23: error: file_exists_behavior: must be one of DISALLOW, OVERWRITE, RETAIN, not 'KEEP'",
            "p.yml:5:29: error: auto_rollback.on_failure: must be true or false, not 'maybe'",
            "p.yml:6:7: error: ssh.concurency: unknown key 'concurency' (did you mean 'concurrency'?)",
            "p.yml:4:16: error: max_revisions: must be a whole number, 1 or more, not 0",
        ]),
        ("application: a\ninventory: i.yml\nhistory: postgresql:/ops@db/hoist\n", [
            "p.yml:3:10: error: history: 'postgresql:/ops@db/hoist' looks like a URL but is not a PostgreSQL one; write postgresql://USER@HOST[:PORT]/DATABASE for a shared history, or a file path (start it with ./ if the file's name has a colon)",
        ]),
    ])
    func badPlaybooks(text: String, expected: [String]) {
        #expect(messages(parse(text, file: "p.yml")) == expected)
    }

    /// A Latin-1 playbook failed as "'caf\u{FFFD}' is not a valid name", or passed unseen
    /// when the letter sat in a comment or a description.
    @Test func aPlaybookInAnotherEncodingSaysWhichLineAndHowToFixIt() {
        let latin1 = String(decoding: Array("application: shop\ndeployment_group: web\n# caf".utf8) + [0xE9] + Array("\n".utf8), as: UTF8.self)
        #expect(messages(parse(latin1)) == [
            "pb/deploy.yml:3:1: error: this line holds bytes that are not UTF-8; Hoist reads UTF-8 text (save the file as UTF-8 (from Latin-1: iconv -f LATIN1 -t UTF-8))",
        ])
    }

    @Test func tooManyFiltersAndDuplicateBalancers() {
        let filters = (1...11).map { "t\($0)" }.joined(separator: ", ")
        let text = """
            application: a
            inventory: i.yml
            targets: [[\(filters)]]
            load_balancers: [{type: nginx, upstream_file: f, upstream: u}, {type: nginx, upstream_file: g, upstream: v}]
            load_balancer: {name: x, type: command, register: r, deregister: d}
            """
        #expect(messages(parse(text, file: "p.yml")) == [
            "p.yml:3:11: error: targets[0]: has 11 filters; a tag group allows at most 10",
            "p.yml:5:16: error: load_balancer: use either 'load_balancer' or 'load_balancers', not both",
            "p.yml:4:17: error: load_balancers: two load balancers are named 'nginx' (give each a distinct 'name')",
        ])
    }

    /// The inventory is a separate step: it applies the playbook's ssh overrides and checks
    /// the inventory hosts the playbook names.
    @Test func loadingTheInventoryAppliesSSHOverridesAndChecksNamedHosts() throws {
        let files = [
            "/srv/inv/hosts.yml": "hosts:\n  lb1: {address: 10.0.0.1}\n  web1: {address: 10.0.0.2, user: app}\n",
        ]
        let good = """
            application: a
            inventory: ../inv/hosts.yml
            load_balancer: {type: haproxy, socket: /run/haproxy.sock, via: lb1, backend: app}
            ssh: {user: deploy, jump: lb1, host_key_checking: accept-new, identity_file: k}
            """
        let playbook = try #require(PlaybookParser.parse(text: good, file: "pb/p.yml", baseDirectory: "/srv/pb", homeDirectory: "/h").value)
        let inventory = try PlaybookLoader.inventory(for: playbook, environment: memoryEnvironment(files)).get()
        let web1 = try #require(inventory.host(named: "web1"))
        #expect(web1.user == "deploy")
        #expect(web1.hostKeyChecking == .acceptNew)
        #expect(web1.identityFiles == ["/srv/pb/k"])
        #expect(web1.jumps == [JumpHost(address: "10.0.0.1", port: 22, user: "root")])

        let bad = good.replacingOccurrences(of: "via: lb1", with: "via: lb2").replacingOccurrences(of: "jump: lb1", with: "jump: 'a b'")
        let badPlaybook = try #require(PlaybookParser.parse(text: bad, file: "pb/p.yml", baseDirectory: "/srv/pb", homeDirectory: "/h").value)
        #expect(messages(PlaybookLoader.inventory(for: badPlaybook, environment: memoryEnvironment(files))) == [
            "pb/p.yml: error: load_balancers[0].via: 'lb2' is not a host of the inventory /srv/inv/hosts.yml (did you mean 'lb1'?)",
            "pb/p.yml: error: ssh.jump: 'a b' is neither a host of the inventory nor user@host:port",
        ])

        let evil = good.replacingOccurrences(of: "jump: lb1", with: "jump: '-oProxyCommand=evil'")
        let evilPlaybook = try #require(PlaybookParser.parse(text: evil, file: "pb/p.yml", baseDirectory: "/srv/pb", homeDirectory: "/h").value)
        #expect(messages(PlaybookLoader.inventory(for: evilPlaybook, environment: memoryEnvironment(files))) == [
            "pb/p.yml: error: ssh.jump: jump host '-oProxyCommand=evil' has the address '-oProxyCommand=evil': it starts with '-', which would be read as an option (name a host of the inventory, or user@host:port with an IP address or a DNS name)",
        ])
    }

    @Test(arguments: [
        ("application: a\ninventory: i.yml\n", true), ("targets: {role: web}\n", true), ("hosts:\n  a: {address: x}\n", false),
        ("all:\n  hosts: {a: }\n", false),
    ])
    func tellsPlaybooksFromInventories(text: String, isPlaybook: Bool) {
        #expect((ConfigFileKind.detect(text: text, file: "x.yml") == .playbook) == isPlaybook)
    }

    /// `hoist deploy o` read a playbook with no extension as an INI inventory and failed with
    /// `o:1:14: error: ungrouped.application:: 'probe' is not a key=value host variable`.
    @Test(arguments: ["o", "playbook.ini", "deploy/web"])
    func aPlaybookIsAPlaybookWhateverItsName(file: String) {
        #expect(ConfigFileKind.detect(text: "application: probe\ninventory: hosts\n", file: file) == .playbook)
        #expect(ConfigFileKind.detect(text: "[web]\nweb1\n", file: file) == .inventory)
        #expect(ConfigFileKind.detect(text: "web1 ansible_host=10.0.0.1\n", file: file) == .inventory)
    }

    @Test(arguments: ["", "\n\n", "# to do\n  # later\n\t\n"])
    func blankOrCommentOnlyIsNeither(text: String) {
        #expect(ConfigFileKind.detect(text: text, file: "x.yml") == .empty)
        #expect(ConfigFileKind.detect(text: text, file: "hosts") == .empty)
    }
}
