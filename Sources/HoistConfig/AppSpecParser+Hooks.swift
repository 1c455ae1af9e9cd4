import HoistCore
import Yams

extension AppSpecReading {
    static let scriptKeys = ["location", "timeout", "runas", "sudo"]
    /// CodeDeploy's limit for all the scripts of one lifecycle event together.
    static let maxEventSeconds = 3600
    static let timeoutHint = "write a whole number of seconds from 1 to 3600"

    func readHooks(_ map: YAMLMap) -> [LifecycleEvent: [HookScript]] {
        guard let node = map.value("hooks"),
            let events = reader.map(node, hint: "write `hooks:` followed by `EventName:` and a list of scripts")
        else { return [:] }
        var hooks: [LifecycleEvent: [HookScript]] = [:]
        let names = LifecycleEvent.allCases.filter { !$0.isReserved }.map(\.rawValue)
        for entry in events.entries {
            let event = LifecycleEvent(rawValue: entry.key)
            if event == nil {
                reader.error("unknown lifecycle event `\(entry.key)`: CodeDeploy would silently never run these scripts",
                    at: entry.keyNode,
                    hint: DidYouMean.hint(for: entry.key, among: names) ?? "events: \(names.joined(separator: ", "))")
            } else if let event, event.isReserved {
                reader.error("`\(entry.key)` is run by Hoist itself and cannot carry scripts", at: entry.keyNode,
                    hint: "move these scripts to a scriptable event such as \(Self.neighbour(of: event))")
            }
            if entry.value.isNull { continue }
            guard let items = reader.list(entry.value, hint: "write a list of scripts: `- location: scripts/x.sh`") else { continue }
            var scripts: [HookScript] = []
            // Only written timeouts count: CodeDeploy's own examples put several scripts
            // without one (3600 each by default) in one event.
            var explicitTotal = 0
            for item in items {
                guard let script = readScript(item) else { continue }
                scripts.append(script)
                if case .mapping(let m) = item.node, let t = m["timeout"], !YAMLNode(node: t, keyPath: "", line: nil, column: nil).isNull {
                    explicitTotal += script.timeout
                }
            }
            if explicitTotal > Self.maxEventSeconds {
                reader.error("the timeouts of the \(entry.key) scripts add up to \(explicitTotal) seconds, more than the \(Self.maxEventSeconds) seconds CodeDeploy allows for one lifecycle event",
                    at: entry.keyNode, hint: "lower the timeouts, or split the work across events")
            }
            if let event, !event.isReserved, !scripts.isEmpty, scripts.count == items.count { hooks[event] = scripts }
        }
        return hooks
    }

    /// A scriptable event next to a reserved one, for hints.
    static func neighbour(of event: LifecycleEvent) -> String {
        switch event {
        case .downloadBundle, .install: return "BeforeInstall or AfterInstall"
        case .blockTraffic: return "BeforeBlockTraffic or AfterBlockTraffic"
        case .allowTraffic: return "BeforeAllowTraffic or AfterAllowTraffic"
        default: return event.rawValue
        }
    }

    private func readScript(_ item: YAMLNode) -> HookScript? {
        guard let entry = reader.map(item, hint: "each script is a map with at least `location:`") else { return nil }
        reader.checkKeys(entry, known: Self.scriptKeys, ignoredNote: "CodeDeploy ignores it")
        var valid = true
        var location = ""
        if let node = entry.value("location"), let text = reader.string(node) {
            location = text.trimmingCharacters(in: .whitespaces)
            // A leading `/` is allowed: the agent joins the location to the revision root
            // (File.join), so `/scripts/start.sh` is the bundle's scripts/start.sh.
            if !location.isEmpty, PathSyntax.normalizeRelative(location) == nil {
                reader.error("the script location (\(location)) leaves the revision through `..`", at: node,
                    hint: "scripts must be inside the bundle")
                valid = false
            }
        }
        if location.isEmpty {
            reader.error(AppSpecMessages.missingLocation, at: entry["location"] ?? item, keyPath: item.keyPath + ".location",
                hint: "add `location:` with the script's path in the bundle, e.g. scripts/start.sh")
            valid = false
        }
        var script = HookScript(location: location, position: item.position)
        if let node = entry.value("timeout") {
            if let value = Self.timeoutSeconds(node), value > 0 {
                script.timeout = value
                if let text = node.scalarText, Int(text) == nil, node.integerValue == nil {
                    reader.warning("the timeout \(text) is read as \(value) seconds: the CodeDeploy agent drops the fraction", at: node,
                        hint: Self.timeoutHint)
                }
            } else {
                reader.error(AppSpecMessages.invalidTimeout, at: node, hint: Self.timeoutHint)
                valid = false
            }
        }
        if let node = entry.value("runas"), let text = reader.string(node) {
            let user = text.trimmingCharacters(in: .whitespaces)
            if !user.isEmpty, let problem = NameChecks.userProblem(user) {
                // The agent hands the name to su, which would read `-s …` or `-` as an option:
                // a hook silently not run, or run as root.
                reader.error("runas: '\(user)' is not a user name: \(problem)", at: node,
                             hint: "name the user the script runs as, e.g. runas: www-data")
                valid = false
            } else {
                script.runas = user.isEmpty ? nil : user
            }
        }
        if let node = entry.value("sudo") {
            if let value = reader.bool(node) { script.sudo = value } else { valid = false }
        }
        return valid ? script : nil
    }

    /// Whole seconds as the CodeDeploy agent reads a timeout (Ruby's `to_i`): a number with a
    /// fraction is cut to its whole part, so `2.5` is 2 seconds and `0.5` is 0 (refused).
    /// Text that is not a number is refused rather than read as the number it starts with.
    static func timeoutSeconds(_ node: YAMLNode) -> Int? {
        if let value = node.integerValue { return value }
        guard let text = node.scalarText, !text.isEmpty else { return nil }
        if text.allSatisfy(\.isASCIIDigit) { return Int(text) }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        return Int(parts[0])
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
