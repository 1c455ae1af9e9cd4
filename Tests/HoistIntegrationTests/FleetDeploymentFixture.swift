import Foundation
import HoistCore
import HoistTestSupport

/// A deployment group on a few fleet hosts for one test: its own application name, inventory
/// of just those hosts, playbook, history file and revisions in a temp folder, so tests that
/// use disjoint hosts can run in parallel.
struct FleetGroup {
    /// Removed when the last copy of the group is released; `keep` it when a test fails.
    let scratch: ScratchDirectory
    var dir: URL { scratch.url }
    let application: String
    let hosts: [String]
    let fleetDir = TestPaths.fleetDir

    init(_ name: String, hosts: [String], config: String = "OneAtATime", extra: String = "") throws {
        scratch = try ScratchDirectory("hoist-it-\(name)")
        application = name
        self.hosts = hosts
        // The group is exactly its hosts (see `FleetInventory`).
        let inventory = dir.appendingPathComponent("inventory.yml")
        try FleetInventory.text(try FleetInventory.hosts(named: hosts), tags: "{role: web}")
            .write(to: inventory, atomically: true, encoding: .utf8)
        let playbook = """
            application: \(name)
            deployment_group: g
            inventory: \(inventory.path)
            targets: {role: web}
            deployment_config: \(config)
            \(extra)
            """
        try playbook.write(to: dir.appendingPathComponent("pb.yml"), atomically: true, encoding: .utf8)
    }

    var playbook: String { dir.appendingPathComponent("pb.yml").path }
    var db: String { dir.appendingPathComponent("history.sqlite3").path }

    /// A revision whose files land in /srv/<application>/ and whose hooks record what they see
    /// there. `hookBody` runs in every scriptable event; `version` is installed as VERSION.
    func revision(_ label: String, version: String, hookBody: String = "true") throws -> String {
        let root = dir.appendingPathComponent("rev-\(label)")
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("scripts"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("app"), withIntermediateDirectories: true)
        try version.write(to: root.appendingPathComponent("app/VERSION"), atomically: true, encoding: .utf8)
        let appspec = """
            version: 0.0
            os: linux
            files:
              - source: app
                destination: /srv/\(application)
            file_exists_behavior: OVERWRITE
            hooks:
              BeforeInstall:
                - location: scripts/hook.sh
              AfterInstall:
                - location: scripts/hook.sh
            """
        try appspec.write(to: root.appendingPathComponent("appspec.yml"), atomically: true, encoding: .utf8)
        let hook = "#!/bin/sh\nset -e\nmkdir -p /srv/obs-\(application)\necho \"$LIFECYCLE_EVENT $DEPLOYMENT_ID\" >> /srv/obs-\(application)/events\n\(hookBody)\n"
        try hook.write(to: root.appendingPathComponent("scripts/hook.sh"), atomically: true, encoding: .utf8)
        chmod(root.appendingPathComponent("scripts/hook.sh").path, 0o755)
        return root.path
    }

    /// A file on a host, read from the root namespace through the fleet's per-host folders.
    func hostFile(_ host: String, _ pathUnderSrv: String) -> String? {
        try? String(contentsOfFile: fleetDir.appendingPathComponent("hosts/\(host)/srv/\(pathUnderSrv)").path, encoding: .utf8)
    }

    func hostPath(_ host: String, srv pathUnderSrv: String) -> String {
        fleetDir.appendingPathComponent("hosts/\(host)/srv/\(pathUnderSrv)").path
    }

    func hoist(_ args: [String], env: [String: String] = [:]) throws -> HoistBinary.Output {
        try HoistBinary.run(args + ["--db", db], environment: env)
    }

    func deploy(_ revision: String, _ more: [String] = [], env: [String: String] = [:]) throws -> HoistBinary.Output {
        try hoist(["deploy", playbook, "--revision", revision, "--hosts", hosts.joined(separator: ",")] + more, env: env)
    }

    func startDeploy(_ revision: String, _ more: [String] = [], env: [String: String] = [:]) throws -> RunningHoist {
        try HoistBinary.start(["deploy", playbook, "--revision", revision, "--hosts", hosts.joined(separator: ","), "--db", db] + more, environment: env)
    }

    /// The deployments in the history, newest first, as JSON objects.
    func list() throws -> [[String: Any]] {
        let out = try hoist(["list", "--json", "--limit", "50"]).stdout
        return (try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]]) ?? []
    }
}

/// Waits for a condition with a bounded poll: for things that happen on other machines
/// (a hook starting on a host), never as a stand-in for ordering we control.
func eventually(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return }
        usleep(100_000)
    }
    throw ConditionTimedOut(what: what)
}

struct ConditionTimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body` with `count` fleet hosts of its own, taken from the pool the deploy tests
/// share, and gives them back afterwards.
func withFleetHosts(_ count: Int, _ body: ([String]) async throws -> Void) async throws {
    let hosts = try await DeployHostPool.shared.acquire(count)
    do {
        try await body(hosts.map(\.name))
    } catch {
        await DeployHostPool.shared.release(hosts)
        throw error
    }
    await DeployHostPool.shared.release(hosts)
}
