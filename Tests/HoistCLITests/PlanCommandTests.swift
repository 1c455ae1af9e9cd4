import Foundation
import HoistTestSupport
import Testing

/// `hoist plan`, run as the built binary on a playbook, inventory and revision the tests write.
/// A temporary HOME keeps the real ~/.ssh/config out.
@Suite struct PlanCommandTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("hoist-plan") }

    func hoist(_ arguments: String...) throws -> HoistBinary.Output {
        try HoistBinary.run(arguments, environment: ["HOME": scratch.path], currentDirectory: scratch.url)
    }

    func json(_ output: HoistBinary.Output) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }

    @Test func inPlaceShowsHostsConcurrencyAndScriptsWithTheirRevision() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch)
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 0, "\(out.stderr)")
        let text = out.stdout
        #expect(text.contains("hosts (4): h001, h002, h003, h004\n"))
        #expect(text.contains("deployment config: CodeDeployDefault.HalfAtATime (from the playbook), minimum healthy hosts FLEET_PERCENT 50\n"))
        #expect(text.contains("concurrency: HalfAtATime: 2 of 4 must stay healthy; at most 2 at once\n"))
        #expect(text.contains("order: at most 2 at once; host order: h001, h002, h003, h004\n"))
        #expect(text.contains("""
            Lifecycle events on each host, in order:
              ApplicationStop   scripts from the host's last successful revision (read on the host at deploy time)
              DownloadBundle    Hoist: upload a bundle built from the directory and unpack it into this deployment's folder on the host
              BeforeInstall     scripts from the new revision: scripts/install.sh (timeout 300 s, runas root)
              Install           Hoist: copy 2 files to their destinations (file_exists_behavior OVERWRITE)
              AfterInstall      no scripts in the new revision
              ApplicationStart  scripts from the new revision: scripts/start.sh
              ValidateService   scripts from the new revision: scripts/check.sh (timeout 60 s)

            """), "\(text)")
        #expect(!text.contains("Hoist: drain"))
        #expect(text.contains("file_exists_behavior: OVERWRITE (from the playbook)\n"))
        #expect(text.contains("files to install (2):\n  /var/www/app/css/site.css\n  /var/www/app/index.html\n"))
    }

    @Test func loadBalancersAddTheTrafficEvents() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, extra: RevisionFixtures.haproxy)
        let out = try hoist("plan", "web.yml", "--hosts", "h003,h001")
        #expect(out.status == 0, "\(out.stderr)")
        let events = out.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        let expected = ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic", "ApplicationStop", "DownloadBundle",
                        "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService",
                        "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]
        let start = try #require(events.firstIndex(of: "BeforeBlockTraffic"))
        #expect(Array(events[start..<start + expected.count]) == expected)
        #expect(out.stdout.contains("BlockTraffic        Hoist: drain <host> in front (HAProxy backend app, server {host}), up to 20 s\n"))
        #expect(out.stdout.contains("AllowTraffic        Hoist: enable <host> in front (HAProxy backend app, server {host}) and wait until healthy, up to 90 s\n"))
        #expect(out.stdout.contains("BeforeBlockTraffic  scripts from the host's last successful revision"))
        #expect(out.stdout.contains("hosts (2): h001, h003\n"))
        #expect(out.stdout.contains("front: HAProxy backend app, admin socket /run/haproxy/admin.sock; drain up to 20 s, healthy within 90 s\n    servers (2):\n      h001 → h001\n      h003 → h003\n"))
    }

    /// What BlockTraffic waits on with nginx (the workers of its pid file) and what
    /// AllowTraffic asks for, including the defaults a playbook leaves out.
    @Test func nginxShowsItsPidFileAndHealthPath() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, extra: """
            load_balancers:
              - {name: edge, type: nginx, upstream_file: /etc/nginx/up.conf, upstream: shop, pid_file: /run/nginx/edge.pid}
              - {name: side, type: nginx, upstream_file: /etc/nginx/side.conf, upstream: side, health_path: /ready}

            """)
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("edge: nginx upstream shop in /etc/nginx/up.conf on this machine, workers from /run/nginx/edge.pid, health GET /health;"), "\(out.stdout)")
        #expect(out.stdout.contains("side: nginx upstream side in /etc/nginx/side.conf on this machine, workers from /run/nginx.pid, health GET /ready;"))
    }

    @Test func jsonIsOneDocument() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, extra: RevisionFixtures.haproxy)
        let out = try hoist("plan", "web.yml", "--json", "--config", "AllAtOnce", "--file-exists-behavior", "retain")
        #expect(out.status == 0, "\(out.stderr)")
        let object = try json(out)
        #expect(object["hosts"] as? [String] == ["h001", "h002", "h003", "h004"])
        let config = try #require(object["deploymentConfig"] as? [String: Any])
        #expect(config["name"] as? String == "CodeDeployDefault.AllAtOnce")
        #expect(config["from"] as? String == "--config")
        let rollout = try #require(object["rollout"] as? [String: Any])
        #expect(rollout["maxConcurrency"] as? Int == 4)
        #expect(rollout["minimumHealthy"] as? Int == 0)
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.count == 13)
        let stop = try #require(events.first { $0["event"] as? String == "ApplicationStop" })
        #expect(stop["scriptsFrom"] as? String == "the host's last successful revision (read on the host at deploy time)")
        let start = try #require(events.first { $0["event"] as? String == "ApplicationStart" })
        #expect(start["scriptsFrom"] as? String == "new revision")
        #expect((start["scripts"] as? [[String: Any]])?.first?["location"] as? String == "scripts/start.sh")
        let files = try #require(object["files"] as? [String: Any])
        #expect(files["fileExistsBehavior"] as? String == "RETAIN")
        #expect(files["fileExistsBehaviorFrom"] as? String == "--file-exists-behavior")
        #expect((files["destinations"] as? [String])?.count == 2)
    }

    @Test func theAppSpecsFileExistsBehaviorWins() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("rev/appspec.yml", RevisionFixtures.appSpec + "file_exists_behavior: RETAIN\n")
        try RevisionFixtures.playbook(in: scratch)
        let out = try hoist("plan", "web.yml", "--file-exists-behavior", "DISALLOW")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("file_exists_behavior: RETAIN (from the AppSpec, which wins over the playbook and --file-exists-behavior)\n"))
    }

    @Test func blueGreenShowsBothFleetsAndTheRerouteOrder() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, config: "AllAtOnce", extra: RevisionFixtures.haproxy + """
            blue_green:
              fleet_tag: color
              fleets: [blue, green]
              original_fleet: KEEP_ALIVE

            """)
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("type: blue/green\n"))
        #expect(out.stdout.contains("  fleet blue (2): h001, h002\n  fleet green (2): h003, h004\n"))
        #expect(out.stdout.contains("replacement: the fleet that is not live; live fleet is recorded by the first blue/green deployment; when none is recorded: green\n"))
        #expect(out.stdout.contains("order: at most 2 at once; host order: h003, h004\n"))
        #expect(out.stdout.contains("""
              Lifecycle events on each original host, in order:
                BeforeBlockTraffic  scripts from the host's last successful revision (read on the host at deploy time)
                BlockTraffic        Hoist: drain <host> in front (HAProxy backend app, server {host}), up to 20 s
                AfterBlockTraffic   scripts from the host's last successful revision (read on the host at deploy time)
              Reroute, in order:
                1. register every replacement host in front (AllowTraffic) and wait until healthy
                2. then deregister every original host from front (BlockTraffic), draining its connections

            """), "\(out.stdout)")
        let replacementEvents = try json(try hoist("plan", "web.yml", "--json"))["events"] as? [[String: Any]]
        #expect(replacementEvents?.map { $0["event"] as? String } == [
            "ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
            "ValidateService", "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic",
        ])
    }

    @Test func zonesAreTakenOneAtATimeWithTheirBake() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, config: "{minimum_healthy_hosts: {type: HOST_COUNT, value: 1}, zone: color, monitor_duration: 60}",
                                      extra: "ignore_application_stop_failures: true\n")
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("""
            concurrency: Custom: 1 of 4 must stay healthy; at most 3 at once; one zone at a time, at least FLEET_PERCENT 0 healthy per zone
            order: at most 3 at once; host order: h001, h002, h003, h004
              (a sliding window, not lockstep batches: the next host starts as soon as one finishes, while 1 of 4 stay healthy)
              zone 1 blue: h001, h002; at least 0 healthy; then wait 60 s
              zone 2 green: h003, h004; at least 0 healthy

            """), "\(out.stdout)")
        #expect(out.stdout.contains("ApplicationStop   scripts from the host's last successful revision (read on the host at deploy time); a failure is ignored (ignore_application_stop_failures)\n"))
    }

    @Test func longFileListsAreCutOnTheTerminalButNotInJSON() throws {
        try RevisionFixtures.validRevision(in: scratch)
        for index in 1...23 { try scratch.write(String(format: "rev/web/extra/f%02d.txt", index), "x\n") }
        try RevisionFixtures.playbook(in: scratch)
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("files to install (25):\n  /var/www/app/css/site.css\n  /var/www/app/extra/f01.txt\n"))
        #expect(out.stdout.contains("  /var/www/app/extra/f19.txt\n  … and 5 more\n"), "\(out.stdout)")
        let files = try json(try hoist("plan", "web.yml", "--json"))["files"] as? [String: Any]
        #expect((files?["destinations"] as? [String])?.count == 25)
    }

    @Test func helpListsTheCommandsAndTheExitCodes() throws {
        let root = try hoist("--help")
        #expect(root.stdout.contains("validate"))
        #expect(root.stdout.contains("plan"))
        // Help is wrapped to the terminal's width: compare with single spaces.
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let plan = try hoist("plan", "--help")
        #expect(words(plan.stdout).contains("5 the deployment could not start"))
        let validate = try hoist("validate", "--help")
        #expect(words(validate.stdout).contains("\"diagnostics\": [{\"severity\": \"error\" | \"warning\", \"file\", \"line\", \"column\", \"keyPath\", \"message\", \"hint\"}]"))
        #expect(words(validate.stdout).contains("Exit codes: 0 valid (warnings allowed), 2 invalid."))
    }

    @Test func anInventoryIsNotAPlaybook() throws {
        try scratch.write("inventory.yml", RevisionFixtures.inventory)
        let out = try hoist("plan", "inventory.yml")
        #expect(out.status == 2)
        #expect(out.stderr.contains("inventory.yml is an inventory; `hoist plan` needs a playbook"))
    }

    static let invalidInvocations: [(String, [String], String)] = [
        ("unknown config", ["--config", "bogus"],
         "hoist: --config: 'bogus' is not a predefined deployment configuration; use one of OneAtATime, HalfAtATime, AllAtOnce"),
        ("unknown host", ["--hosts", "h001,web9"], "hoist: --hosts h001,web9: `web9` matches no selected host; the selected hosts are h001, h002, h003, h004"),
        ("db is not selected", ["--hosts", "db1"], "`db1` matches no selected host"),
        ("missing revision", ["--revision", "nope"], "nope: error: no such file or directory"),
        ("bad flag value", ["--file-exists-behavior", "sometimes"], "'sometimes' is not one of DISALLOW, OVERWRITE, RETAIN"),
    ]

    @Test(arguments: invalidInvocations)
    func invalidInputExitsTwo(_ label: String, _ arguments: [String], _ message: String) throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch)
        let out = try HoistBinary.run(["plan", "web.yml"] + arguments, environment: ["HOME": scratch.path], currentDirectory: scratch.url)
        #expect(out.status == 2, "\(label)")
        #expect(out.stdout.isEmpty, "\(label)")
        #expect(out.stderr.contains(message), "\(label): \(out.stderr)")
    }

    @Test func aBrokenRevisionExitsTwoWithItsDiagnostics() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try FileManager.default.removeItem(atPath: scratch.file("rev/scripts/install.sh"))
        try RevisionFixtures.playbook(in: scratch)
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 2)
        #expect(out.stderr.contains("/rev/appspec.yml:10:7: error: hooks.BeforeInstall[0].location: Script does not exist at specified location: scripts/install.sh"), "\(out.stderr)")
    }

    @Test func aMinimumThatCannotBeMetExitsFive() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, config: "{minimum_healthy_hosts: {type: HOST_COUNT, value: 4}}")
        let out = try hoist("plan", "web.yml")
        #expect(out.status == 5)
        #expect(out.stdout.contains("concurrency: Custom: 4 of 4 must stay healthy; at most 0 at once (refused: HEALTH_CONSTRAINTS_INVALID)\n"), "\(out.stdout)")
        #expect(out.stderr.hasPrefix("hoist: the deployment could not start: HEALTH_CONSTRAINTS_INVALID: The deployment can't start because the minimum number of healthy instances (4 of 4"), "\(out.stderr)")
    }
}

/// `hoist plan` lists a playbook's triggers and alarm checks.
@Suite struct PlanTriggersAndAlarmsTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("hoist-plan-signals") }

    @Test func planListsTriggersAndChecks() throws {
        try RevisionFixtures.validRevision(in: scratch)
        try RevisionFixtures.playbook(in: scratch, extra: """
            triggers:
              - {name: chat, events: [DeploymentFailure, InstanceFailure], webhook: "https://hooks.example.com/x", format: slack, secret_env: PLAN_SECRET}
              - {name: audit, command: ./audit.sh, timeout: 20}
            alarms:
              checks:
                - {name: api, http: "http://metrics.internal/health", expect_status: 200}
                - {name: each, http: "http://{address}:8080/health"}
                - {name: p99, prometheus: "http://prom:9090", query: "histogram_quantile(0.99, x)", above: 0.5}
              interval: 5
            auto_rollback: {on_alarm: true}
            """)
        let out = try HoistBinary.run(["plan", "web.yml"], environment: ["HOME": scratch.path, "PLAN_SECRET": "s"], currentDirectory: scratch.url)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("""
            Triggers:
              chat: webhook https://hooks.example.com/x (slack), signed with $PLAN_SECRET, timeout 5 s
                on DeploymentFailure, InstanceFailure
              audit: command ./audit.sh, timeout 20 s
                on every event

            """), "\(out.stdout)")
        #expect(out.stdout.contains("""
            Alarm checks, every 5 s from the start to the end of the deployment; a check that cannot be evaluated counts as ALARM:
              api: GET http://metrics.internal/health expects 200, timeout 5 s
              each: GET http://{address}:8080/health expects 2xx (each deployed host), timeout 5 s
              p99: Prometheus http://prom:9090 query `histogram_quantile(0.99, x)`: ALARM above 0.5, timeout 5 s
              on ALARM: stop the deployment (Stopped, ALARM_ACTIVE), then roll back the hosts it touched (DEPLOYMENT_STOP_ON_ALARM)

            """), "\(out.stdout)")
        let missing = try HoistBinary.run(["plan", "web.yml"], environment: ["HOME": scratch.path], currentDirectory: scratch.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("triggers[0].secret_env: the environment variable PLAN_SECRET is not set"))
    }
}
