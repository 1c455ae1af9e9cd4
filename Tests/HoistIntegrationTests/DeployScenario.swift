import Foundation
import HoistCore
import HoistTestSupport

/// One deploy test's world: fleet hosts of its own (from `DeployHostPool`), its own
/// application and deployment group names, and a scratch folder holding its inventory,
/// playbook, revisions, history database and bundle cache. `deploy` runs the built `hoist`.
final class DeployScenario {
    let scratch: ScratchDirectory
    let hosts: [HostSpec]
    let application: String
    let group: String
    /// Extra inventory entries (YAML under `hosts:`), e.g. a host nobody answers for.
    var extraInventory = ""

    var names: [String] { hosts.map(\.name) }
    var groupID: String { "\(application)_\(group)" }
    var groupDir: String { "/var/lib/hoist/\(groupID)" }
    var db: String { scratch.file("history.sqlite3") }
    /// Where the observe script writes on each host (see `Revision.observeScript`).
    var observations: String { "/srv/obs/\(application)" }

    private init(label: String, hosts: [HostSpec]) throws {
        scratch = try ScratchDirectory("hoist-deploy-\(label)")
        self.hosts = hosts
        let suffix = UUID().uuidString.prefix(6).lowercased()
        application = "it-\(label)-\(suffix)"
        group = "\(label)-group"
    }

    /// Runs `body` with a scenario on `hostCount` hosts of its own; the hosts go back to the
    /// pool afterwards, however `body` ends.
    static func with<T>(_ label: String, hosts hostCount: Int, _ body: (DeployScenario) async throws -> T) async throws -> T {
        let hosts = try await DeployHostPool.shared.acquire(hostCount)
        do {
            let scenario = try DeployScenario(label: label, hosts: hosts)
            try scenario.prepareObservations()
            let result = try await body(scenario)
            await DeployHostPool.shared.release(hosts)
            return result
        } catch {
            await DeployHostPool.shared.release(hosts)
            throw error
        }
    }

    /// The observations folder on every host, writable by every user (hooks run as appuser too).
    private func prepareObservations() throws {
        for host in names {
            let url = FleetControl.url(host, observations)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: url.path)
        }
    }

    // MARK: Files

    /// Writes the inventory (this scenario's hosts, then `extraInventory`) and a playbook with
    /// `deploymentConfig` (YAML after `deployment_config:`) and `extra` top-level YAML.
    @discardableResult
    func writePlaybook(config deploymentConfig: String = "AllAtOnce", extra: String = "") throws -> String {
        var inventory = FleetInventory.text(hosts)
        inventory += extraInventory
        let inventoryPath = try scratch.write("inventory.yml", inventory)
        return try scratch.write("playbook.yml", """
            application: \(application)
            deployment_group: \(group)
            inventory: \(inventoryPath)
            deployment_config: \(deploymentConfig)
            \(extra)
            """)
    }

    /// Writes a revision folder named `name` and returns its path.
    func revision(_ name: String, _ revision: Revision) throws -> String {
        try scratch.write("revisions/\(name)/appspec.yml", revision.appSpec)
        for (path, file) in revision.files {
            try scratch.write("revisions/\(name)/\(path)", file.text, mode: file.mode)
        }
        return scratch.file("revisions/\(name)")
    }

    // MARK: Running hoist

    var environment: [String: String] { ["XDG_CACHE_HOME": scratch.file("cache")] }

    func deployArguments(_ revision: String, _ extra: [String]) -> [String] {
        ["deploy", scratch.file("playbook.yml"), "--revision", revision, "--json", "--db", db] + extra
    }

    /// `hoist deploy PLAYBOOK --revision REVISION --json --db DB extra…`, to completion.
    func deploy(_ revision: String, _ extra: String...) async throws -> DeployOutcome {
        let arguments = deployArguments(revision, extra), environment = self.environment
        let output = try await Self.offThePool { try HoistBinary.run(arguments, environment: environment) }
        return DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// `deploy` from another coordinator's point of view: a bundle cache of its own (a
    /// teammate's laptop, a CI runner that starts empty), under `cacheName` in the scratch folder.
    func deploy(_ revision: String, cacheName: String) async throws -> DeployOutcome {
        let arguments = deployArguments(revision, []), environment = ["XDG_CACHE_HOME": scratch.file(cacheName)]
        let output = try await Self.offThePool { try HoistBinary.run(arguments, environment: environment) }
        return DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// Starts `hoist deploy` like `deploy` without waiting for it.
    func startDeploy(_ revision: String, _ extra: String...) throws -> RunningHoist {
        try HoistBinary.start(deployArguments(revision, extra), environment: environment)
    }

    /// Runs blocking work (waiting for a process) on a Dispatch thread, so that tests waiting
    /// for `hoist` do not hold the few threads of Swift's cooperative pool.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// `hoist show ID --json --db DB`, parsed.
    func show(_ id: String) throws -> [String: Any] {
        let output = try HoistBinary.run(["show", id, "--json", "--db", db], environment: environment)
        guard output.status == 0, let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw FleetControl.Failed(description: "hoist show \(id) failed (\(output.status)): \(output.stderr)")
        }
        return object
    }

    // MARK: Hosts' files

    func url(_ host: String, _ path: String) -> URL { FleetControl.url(host, path) }

    /// The text of `path` on `host`, nil when there is no such file.
    func read(_ host: String, _ path: String) -> String? {
        try? String(contentsOf: url(host, path), encoding: .utf8)
    }

    func exists(_ host: String, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: url(host, path).path)
    }

    /// Writes `text` to `path` on `host` (creating folders), as someone on the host would.
    func put(_ host: String, _ path: String, _ text: String) throws {
        let target = url(host, path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    /// What the observe script recorded for `event` on `host`: `pwd`, `user` and the
    /// environment, as name → value.
    func observed(_ host: String, _ event: String) -> [String: String] {
        guard let text = read(host, "\(observations)/\(event).env") else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return values
    }

    /// The lines of an observations file on `host` (empty when absent).
    func observedLines(_ host: String, _ file: String) -> [String] {
        (read(host, "\(observations)/\(file)") ?? "").split(separator: "\n").map(String.init)
    }

    /// The deployment folders of this group on `host`.
    func deploymentDirs(_ host: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url(host, groupDir).path)) ?? []
        return Set(names.filter { $0.hasPrefix("d-") })
    }
}
