import HoistCore
import Yams

/// Reads a playbook (one deployment group) into a `Playbook`. Parsing touches no other file:
/// the inventory it names is loaded separately (`PlaybookLoader.hosts`), so a playbook can be
/// checked before its inventory exists.
public struct PlaybookParser {
    static let keys = [
        "application", "deployment_group", "inventory", "targets", "deployment_config", "revision",
        "file_exists_behavior", "ignore_application_stop_failures", "auto_rollback", "load_balancers",
        "load_balancer", "blue_green", "ssh", "max_revisions", "history", "triggers", "alarms",
    ]

    let reader: YAMLNodeReader
    let paths: PathResolver
    /// The environment variables a trigger's `secret_env` must name; nil skips that check.
    let variables: [String: String]?

    /// Parses playbook text. `file` names it in diagnostics; relative paths resolve against
    /// `baseDirectory` (the playbook's folder) and `~` against `homeDirectory`. With
    /// `environment`, each trigger's `secret_env` must name a variable set in it.
    public static func parse(text: String, file: String, baseDirectory: String, homeDirectory: String,
                             environment: [String: String]? = nil) -> Result<Playbook, DiagnosticsError> {
        let parser = PlaybookParser(
            reader: YAMLNodeReader(file: file), paths: PathResolver(baseDirectory: baseDirectory, homeDirectory: homeDirectory),
            variables: environment)
        // Latin-1 letters turned into U+FFFD and failed as "not a valid name", or passed
        // unseen in a description.
        if let problem = TextEncodingCheck.problem(text, what: "a playbook (YAML)") {
            parser.reader.error(line: problem.line, column: problem.line.map { _ in 1 }, "", problem.message, hint: problem.hint)
            return .failure(DiagnosticsError(parser.reader.diagnostics))
        }
        let playbook = parser.playbook(text)
        if let playbook, !parser.reader.hasErrors { return .success(playbook) }
        if !parser.reader.hasErrors { parser.reader.error(line: nil, column: nil, "", "the playbook is empty") }
        return .failure(DiagnosticsError(parser.reader.diagnostics))
    }

    /// True when YAML text looks like a playbook rather than an inventory: it has one of the
    /// keys only a playbook has (`application`, `targets`, `inventory`, `deployment_group`).
    public static func looksLikePlaybook(_ text: String) -> Bool {
        guard let root = try? Yams.compose(yaml: TextLines.withoutByteOrderMark(text)), case .mapping(let mapping) = root else { return false }
        let keys = Set(mapping.keys.compactMap(\.string))
        return !keys.isDisjoint(with: ["application", "targets", "inventory", "deployment_group"])
    }

    private func playbook(_ text: String) -> Playbook? {
        guard let root = reader.compose(text) else { return nil }
        guard let entries = reader.mapping(root, "") else { return nil }
        reader.rejectUnknownKeys(entries, allowed: Self.keys, "")
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

        let application = value("application").flatMap { name($0, "application") }
        if value("application") == nil {
            reader.error(root, "application", "the playbook has no 'application'", hint: "add 'application: <name>'")
        }
        var deploymentGroup = value("deployment_group").flatMap { name($0, "deployment_group") }
        if value("deployment_group") == nil {
            // The file's own name, when it is a valid group name.
            let stem = Self.stem(reader.file)
            if Self.isValidName(stem) { deploymentGroup = stem } else {
                reader.error(root, "deployment_group", "the playbook has no 'deployment_group' and its file name is not a valid one",
                             hint: "add 'deployment_group: <name>'")
            }
        }
        let inventory = value("inventory").flatMap { reader.string($0, "inventory") }.map(paths.resolve)
        if value("inventory") == nil {
            reader.error(root, "inventory", "the playbook has no 'inventory'", hint: "add 'inventory: <path to the inventory file>'")
        }
        let tagGroups = value("targets").map { self.targets($0, "targets") } ?? []
        let config = value("deployment_config").map { self.deploymentConfig($0, "deployment_config") } ?? .oneAtATime
        let revision = value("revision").flatMap { reader.string($0, "revision") }.map(paths.resolve)
        let fileExists = value("file_exists_behavior")
            .flatMap { reader.choice($0, "file_exists_behavior", FileExistsBehavior.self, caseInsensitive: true) } ?? .disallow
        let ignoreStop = value("ignore_application_stop_failures").flatMap { reader.bool($0, "ignore_application_stop_failures") } ?? false
        let rollback = value("auto_rollback").map { self.autoRollback($0, "auto_rollback") } ?? AutoRollback()

        var balancers: [LoadBalancerSpec] = []
        if let node = value("load_balancers") { balancers += self.loadBalancers(node, "load_balancers") }
        if let node = value("load_balancer") {
            if value("load_balancers") != nil {
                reader.error(node, "load_balancer", "use either 'load_balancer' or 'load_balancers', not both")
            }
            balancers += loadBalancer(node, "load_balancer").map { [$0] } ?? []
        }
        var names = Set<String>()
        for lb in balancers where !names.insert(lb.name).inserted {
            reader.error(value("load_balancers"), "load_balancers", "two load balancers are named '\(lb.name)'",
                         hint: "give each a distinct 'name'")
        }

        var blueGreenSpec: BlueGreenSpec?
        if let node = value("blue_green"), !YAMLNodeReader.isNull(node) {
            blueGreenSpec = self.blueGreen(node, "blue_green")
            if balancers.isEmpty {
                reader.error(node, "blue_green", "blue/green deployments need a load balancer to move traffic",
                             hint: "add 'load_balancers:'")
            }
        }
        let sshOverrides = value("ssh").map { self.ssh($0, "ssh") } ?? SSHOverrides()
        let maxRevisions = value("max_revisions").flatMap {
            reader.int($0, "max_revisions", in: 1...Int.max, what: "a whole number, 1 or more")
        } ?? Playbook.defaultMaxRevisions
        // A server URL (postgresql://…) is kept as written; a file path is resolved.
        let history = value("history").flatMap { node in reader.string(node, "history").flatMap { text -> String? in
            switch HistoryAddress(text) {
            case .server(let url): return url
            case .file(let path): return paths.resolve(path)
            case .notAURL(let typo):
                reader.error(node, "history", HistoryAddress.mistypedMessage(typo))
                return nil
            }
        } }
        let triggers = value("triggers").map { self.triggers($0, "triggers") } ?? []
        let alarms = value("alarms").flatMap { self.alarms($0, "alarms") }
        if rollback.onAlarm, alarms?.checks.isEmpty ?? true {
            reader.error(value("auto_rollback"), "auto_rollback.on_alarm", "there are no alarm checks to roll back on",
                         hint: "add 'alarms: {checks: [...]}' or remove 'on_alarm'")
        }

        guard let application, let deploymentGroup, let inventory else { return nil }
        return Playbook(
            file: reader.file, application: application, deploymentGroup: deploymentGroup, inventoryPath: inventory,
            targets: tagGroups, deploymentConfig: config, revisionPath: revision, fileExistsBehavior: fileExists,
            ignoreApplicationStopFailures: ignoreStop, autoRollback: rollback, loadBalancers: balancers,
            blueGreen: blueGreenSpec, ssh: sshOverrides, maxRevisions: maxRevisions, historyPath: history,
            triggers: triggers, alarms: alarms)
    }

    /// CodeDeploy's rule for application and deployment group names.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && name.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._+=,@-".unicodeScalars.contains($0)
        }
    }

    private func name(_ node: Node, _ path: String) -> String? {
        guard let text = reader.string(node, path) else { return nil }
        guard Self.isValidName(text) else {
            reader.error(node, path, "'\(text)' is not a valid name",
                         hint: "use up to 100 letters, digits and . _ + = , @ -")
            return nil
        }
        return text
    }

    private static func stem(_ file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    private func autoRollback(_ node: Node, _ path: String) -> AutoRollback {
        guard let entries = reader.mapping(node, path) else { return AutoRollback() }
        reader.rejectUnknownKeys(entries, allowed: ["on_failure", "on_stop", "on_alarm"], path)
        var rollback = AutoRollback()
        for entry in entries {
            let value = reader.bool(entry.value, join(path, entry.key))
            if entry.key == "on_failure" { rollback.onFailure = value ?? false }
            if entry.key == "on_stop" { rollback.onStop = value ?? false }
            if entry.key == "on_alarm" { rollback.onAlarm = value ?? false }
        }
        return rollback
    }

    private func ssh(_ node: Node, _ path: String) -> SSHOverrides {
        let keys = ["connect_timeout", "user", "identity_file", "known_hosts", "host_key_checking", "jump",
                    "handshake_concurrency", "concurrency"]
        guard let entries = reader.mapping(node, path) else { return SSHOverrides() }
        reader.rejectUnknownKeys(entries, allowed: keys, path)
        var ssh = SSHOverrides()
        for entry in entries {
            let p = join(path, entry.key), v = entry.value
            switch entry.key {
            case "connect_timeout": ssh.connectTimeoutSeconds = reader.seconds(v, p, allowZero: false)
            case "user": ssh.user = reader.string(v, p)
            case "identity_file": ssh.identityFiles = reader.stringList(v, p).map { $0.map(paths.resolve) }
            case "known_hosts": ssh.knownHostsFile = reader.string(v, p).map(paths.resolve)
            case "host_key_checking": ssh.hostKeyChecking = reader.choice(v, p, HostKeyChecking.self)
            case "jump": ssh.jump = YAMLNodeReader.isNull(v) ? [] : reader.stringList(v, p).map(HoistInventoryParser.splitHops)
            case "handshake_concurrency":
                ssh.handshakeConcurrency = reader.int(v, p, in: 1...Int.max, what: "a whole number, 1 or more")
            case "concurrency": ssh.concurrency = reader.int(v, p, in: 1...Int.max, what: "a whole number, 1 or more")
            default: break
            }
        }
        return ssh
    }

    private func blueGreen(_ node: Node, _ path: String) -> BlueGreenSpec? {
        let keys = ["fleet_tag", "fleets", "ready_wait", "original_fleet", "termination_wait"]
        guard let entries = reader.mapping(node, path) else { return nil }
        reader.rejectUnknownKeys(entries, allowed: keys, path)
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        let fleetTag = value("fleet_tag").flatMap { reader.string($0, join(path, "fleet_tag")) }
        if value("fleet_tag") == nil {
            reader.error(node, join(path, "fleet_tag"), "blue_green needs 'fleet_tag'", hint: "e.g. 'fleet_tag: color'")
        }
        var fleets: [String]?
        if let fleetsNode = value("fleets") {
            fleets = reader.stringList(fleetsNode, join(path, "fleets"))
            if let list = fleets, list.count != 2 || list[0] == list[1] {
                reader.error(fleetsNode, join(path, "fleets"), "must name exactly two different fleets, e.g. [blue, green]")
            }
        } else {
            reader.error(node, join(path, "fleets"), "blue_green needs 'fleets'", hint: "e.g. 'fleets: [blue, green]'")
        }
        var readyWait: Double?
        if let wait = value("ready_wait"), !YAMLNodeReader.isNull(wait) { readyWait = reader.seconds(wait, join(path, "ready_wait")) }
        let original = value("original_fleet").flatMap {
            reader.choice($0, join(path, "original_fleet"), [BlueGreenSpec.OriginalFleetAction.keepAlive, .terminate], caseInsensitive: true)
        } ?? .keepAlive
        let terminationWait = value("termination_wait").flatMap { reader.seconds($0, join(path, "termination_wait")) } ?? 0
        guard let fleetTag, let fleets else { return nil }
        return BlueGreenSpec(fleetTag: fleetTag, fleets: fleets, readyWaitSeconds: readyWait,
                             originalFleetAction: original, terminationWaitSeconds: terminationWait)
    }
}
