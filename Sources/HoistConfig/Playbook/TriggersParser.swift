import Foundation
import HoistCore
import Yams

/// `triggers:` and `alarms:`. Everything that can be checked without sending anything is
/// checked here, so a bad trigger or check stops the deployment before it starts: event
/// names, URLs, a secret variable that is not set, limits.
extension PlaybookParser {
    static let triggerKeys = ["name", "events", "webhook", "format", "secret_env", "timeout", "command"]
    static let alarmsKeys = ["checks", "interval", "ignore_poll_alarm_failure"]
    static let checkKeys = ["name", "http", "expect_status", "command", "prometheus", "query", "above", "below", "timeout"]

    func triggers(_ node: Node, _ path: String) -> [TriggerSpec] {
        if YAMLNodeReader.isNull(node) { return [] }
        guard let items = reader.sequence(node, path, what: "a list of triggers") else { return [] }
        if items.count > TriggerSpec.maximumCount {
            reader.error(node, path, "has \(items.count) triggers; at most \(TriggerSpec.maximumCount) are allowed, as in CodeDeploy",
                         hint: "combine triggers that go to the same place")
        }
        let triggers = items.enumerated().compactMap { trigger($1, "\(path)[\($0)]") }
        rejectDuplicateNames(triggers.map(\.name), node, path, what: "triggers")
        return triggers
    }

    private func trigger(_ node: Node, _ path: String) -> TriggerSpec? {
        guard let entries = reader.mapping(node, path) else { return nil }
        reader.rejectUnknownKeys(entries, allowed: Self.triggerKeys, path)
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        let name = value("name").flatMap { reader.string($0, join(path, "name")) }
        if value("name") == nil { reader.error(node, join(path, "name"), "a trigger needs 'name'") }
        let events = value("events").map { triggerEvents($0, join(path, "events")) } ?? TriggerEventType.allCases
        let timeout = value("timeout").flatMap { reader.seconds($0, join(path, "timeout"), allowZero: false) }
            ?? TriggerSpec.defaultTimeoutSeconds

        let target: TriggerSpec.Target?
        switch (value("webhook"), value("command")) {
        case (let webhook?, nil):
            let url = reader.string(webhook, join(path, "webhook")).flatMap { httpURL($0, webhook, join(path, "webhook"), placeholders: false) }
            let format = value("format").flatMap {
                reader.choice($0, join(path, "format"), TriggerSpec.WebhookFormat.self, caseInsensitive: true)
            } ?? .codedeploy
            let secret = value("secret_env").flatMap { secretVariable($0, join(path, "secret_env")) }
            target = url.map { .webhook(url: $0, format: format, secretEnv: secret) }
        case (nil, let command?):
            for key in ["format", "secret_env"] where value(key) != nil {
                reader.error(value(key), join(path, key), "'\(key)' applies to webhooks only",
                             hint: "a command trigger always gets CodeDeploy's JSON on stdin")
            }
            target = reader.string(command, join(path, "command")).map { .command($0, directory: paths.baseDirectory) }
        case (.some, .some):
            reader.error(node, path, "a trigger has either 'webhook' or 'command', not both")
            target = nil
        case (nil, nil):
            reader.error(node, path, "a trigger needs 'webhook: <URL>' or 'command: <shell command>'")
            target = nil
        }
        guard let name, let target else { return nil }
        return TriggerSpec(name: name, events: events, target: target, timeoutSeconds: timeout)
    }

    private func triggerEvents(_ node: Node, _ path: String) -> [TriggerEventType] {
        guard let names = reader.stringList(node, path) else { return TriggerEventType.allCases }
        var chosen = Set<TriggerEventType>()
        let items: [Node] = { if case .sequence(let s) = node { return Array(s) } else { return [node] } }()
        for (index, name) in names.enumerated() {
            if let event = TriggerEventType(rawValue: name) ?? TriggerEventType.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) {
                chosen.insert(event)
            } else {
                let all = TriggerEventType.allCases.map(\.rawValue)
                reader.error(index < items.count ? items[index] : node, "\(path)[\(index)]", "'\(name)' is not a CodeDeploy trigger event",
                             hint: didYouMean(name, in: all).map { "did you mean '\($0)'?" } ?? "one of \(all.joined(separator: ", "))")
            }
        }
        if names.isEmpty {
            reader.error(node, path, "names no events", hint: "leave 'events' out to get every event")
        }
        return TriggerEventType.allCases.filter(chosen.contains)
    }

    private func secretVariable(_ node: Node, _ path: String) -> String? {
        guard let name = reader.string(node, path) else { return nil }
        guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            reader.error(node, path, "'\(name)' is not an environment variable name", hint: "e.g. HOIST_WEBHOOK_SECRET")
            return nil
        }
        if let variables, (variables[name] ?? "").isEmpty {
            reader.error(node, path, "the environment variable \(name) is not set (or empty), so the webhook could not be signed",
                         hint: "export \(name) with the shared secret before running hoist, or remove 'secret_env'")
        }
        return name
    }

    /// An absolute http(s) URL with a host; `{address}` and `{host}` are allowed when
    /// `placeholders` (per-host checks).
    func httpURL(_ text: String, _ node: Node, _ path: String, placeholders: Bool) -> String? {
        let probe = placeholders
            ? text.replacingOccurrences(of: "{address}", with: "192.0.2.1").replacingOccurrences(of: "{host}", with: "host")
            : text
        guard let url = URLComponents(string: probe), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty
        else {
            reader.error(node, path, "'\(text)' is not an http:// or https:// URL",
                         hint: placeholders ? "e.g. http://{address}:8080/health" : "e.g. https://hooks.example.com/deploy")
            return nil
        }
        return text
    }

    func rejectDuplicateNames(_ names: [String], _ node: Node, _ path: String, what: String) {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            reader.error(node, path, "two \(what) are named '\(name)'", hint: "give each a distinct 'name'")
        }
    }

    // MARK: Alarms

    func alarms(_ node: Node, _ path: String) -> AlarmsSpec? {
        if YAMLNodeReader.isNull(node) { return nil }
        guard let entries = reader.mapping(node, path) else { return nil }
        reader.rejectUnknownKeys(entries, allowed: Self.alarmsKeys, path)
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        var checks: [AlarmCheckSpec] = []
        if let list = value("checks"), let items = reader.sequence(list, join(path, "checks"), what: "a list of checks") {
            if items.count > AlarmsSpec.maximumChecks {
                reader.error(list, join(path, "checks"), "has \(items.count) checks; at most \(AlarmsSpec.maximumChecks) are allowed, as CodeDeploy allows 10 alarms")
            }
            checks = items.enumerated().compactMap { check($1, "\(path).checks[\($0)]") }
            rejectDuplicateNames(checks.map(\.name), list, join(path, "checks"), what: "checks")
        } else if value("checks") == nil {
            reader.error(node, join(path, "checks"), "alarms need 'checks'", hint: "e.g. 'checks: [{name: api, http: \"http://api/health\"}]'")
        }
        let interval = value("interval").flatMap { reader.seconds($0, join(path, "interval"), allowZero: false) }
            ?? AlarmsSpec.defaultIntervalSeconds
        let ignore = value("ignore_poll_alarm_failure").flatMap { reader.bool($0, join(path, "ignore_poll_alarm_failure")) } ?? false
        return AlarmsSpec(checks: checks, intervalSeconds: interval, ignorePollAlarmFailure: ignore)
    }

    private func check(_ node: Node, _ path: String) -> AlarmCheckSpec? {
        guard let entries = reader.mapping(node, path) else { return nil }
        reader.rejectUnknownKeys(entries, allowed: Self.checkKeys, path)
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        func number(_ key: String) -> Double? {
            guard let node = value(key) else { return nil }
            guard case .scalar(let scalar) = node, let v = Double(scalar.string.trimmingCharacters(in: .whitespaces)), v.isFinite else {
                reader.error(node, join(path, key), "must be a number, not \(reader.describe(node))")
                return nil
            }
            return v
        }
        let name = value("name").flatMap { reader.string($0, join(path, "name")) }
        if value("name") == nil { reader.error(node, join(path, "name"), "a check needs 'name'") }
        let timeout = value("timeout").flatMap { reader.seconds($0, join(path, "timeout"), allowZero: false) }
            ?? AlarmCheckSpec.defaultTimeoutSeconds
        let kinds = ["http", "command", "prometheus"].filter { value($0) != nil }
        guard kinds.count == 1, let kindKey = kinds.first else {
            reader.error(node, path, kinds.isEmpty
                ? "a check needs one of 'http: <URL>', 'command: <shell command>' or 'prometheus: <URL>'"
                : "a check has one of 'http', 'command' or 'prometheus', not \(kinds.joined(separator: " and "))")
            return nil
        }
        func misplaced(_ keys: [String]) {
            for key in keys where value(key) != nil {
                reader.error(value(key), join(path, key), "'\(key)' does not apply to a \(kindKey) check")
            }
        }
        let kind: AlarmCheckSpec.Kind?
        switch kindKey {
        case "http":
            misplaced(["query", "above", "below"])
            let url = reader.string(value("http")!, join(path, "http")).flatMap { httpURL($0, value("http")!, join(path, "http"), placeholders: true) }
            let status = value("expect_status").flatMap { reader.int($0, join(path, "expect_status"), in: 100...599, what: "an HTTP status, 100 to 599") }
            kind = url.map { .http(url: $0, expectStatus: status) }
        case "command":
            misplaced(["expect_status", "query", "above", "below"])
            kind = reader.string(value("command")!, join(path, "command")).map { .command($0, directory: paths.baseDirectory) }
        default:
            misplaced(["expect_status"])
            let url = reader.string(value("prometheus")!, join(path, "prometheus"))
                .flatMap { httpURL($0, value("prometheus")!, join(path, "prometheus"), placeholders: false) }
            let query = value("query").flatMap { reader.string($0, join(path, "query")) }
            if value("query") == nil { reader.error(node, join(path, "query"), "a prometheus check needs 'query'") }
            let above = number("above"), below = number("below")
            if value("above") == nil && value("below") == nil {
                reader.error(node, join(path, "above"), "a prometheus check needs 'above' (or 'below'): the value that means ALARM")
            }
            if let url, let query, above != nil || below != nil {
                kind = .prometheus(url: url, query: query, above: above, below: below)
            } else {
                kind = nil
            }
        }
        guard let name, let kind else { return nil }
        return AlarmCheckSpec(name: name, kind: kind, timeoutSeconds: timeout)
    }
}
