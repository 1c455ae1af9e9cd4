/// A playbook's `alarms:` section: checks polled from a deployment's start to its end (bake
/// times included); one in ALARM stops the deployment as a CloudWatch alarm stops a
/// CodeDeploy deployment (Stopped, ALARM_ACTIVE). Checks run on the coordinator, never on the
/// fleet's hosts.
public struct AlarmsSpec: Sendable, Hashable, Codable {
    public static let maximumChecks = 10
    public static let defaultIntervalSeconds = 10.0

    public var checks: [AlarmCheckSpec]
    /// Seconds between polls.
    public var intervalSeconds: Double
    /// CodeDeploy's `ignorePollAlarmFailure`: a check that cannot be evaluated (timeout,
    /// connection refused, a bad answer) is ignored instead of counting as ALARM.
    public var ignorePollAlarmFailure: Bool

    public init(checks: [AlarmCheckSpec], intervalSeconds: Double = AlarmsSpec.defaultIntervalSeconds,
                ignorePollAlarmFailure: Bool = false) {
        self.checks = checks
        self.intervalSeconds = intervalSeconds
        self.ignorePollAlarmFailure = ignorePollAlarmFailure
    }
}

/// One alarm check.
public struct AlarmCheckSpec: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable {
        /// GET `url`; OK when the answer's status is `expectStatus` (any 2xx when nil). A URL
        /// with `{address}` or `{host}` is checked once per host this deployment has deployed.
        case http(url: String, expectStatus: Int?)
        /// `/bin/sh -c command` on the coordinator in `directory`: exit 0 is OK, any other
        /// exit is ALARM.
        case command(String, directory: String)
        /// Prometheus's instant query API (`GET <url>/api/v1/query?query=...`): ALARM when a
        /// returned value is above `above` or below `below`; no data is OK.
        case prometheus(url: String, query: String, above: Double?, below: Double?)
    }

    public static let defaultTimeoutSeconds = 5.0

    public var name: String
    public var kind: Kind
    /// How long one evaluation may take before it counts as not evaluated.
    public var timeoutSeconds: Double

    public init(name: String, kind: Kind, timeoutSeconds: Double = AlarmCheckSpec.defaultTimeoutSeconds) {
        self.name = name
        self.kind = kind
        self.timeoutSeconds = timeoutSeconds
    }

    /// True when the check is evaluated once per deployed host (`{address}` or `{host}` in
    /// its URL).
    public var isPerHost: Bool {
        guard case .http(let url, _) = kind else { return false }
        return url.contains("{address}") || url.contains("{host}")
    }

    /// What is checked, for `hoist plan` and the output.
    public var summary: String {
        switch kind {
        case .http(let url, let status):
            return "GET \(url) expects \(status.map(String.init) ?? "2xx")" + (isPerHost ? " (each deployed host)" : "")
        case .command(let command, _):
            return "command `\(command)` exits 0"
        case .prometheus(let url, let query, let above, let below):
            var limits: [String] = []
            if let above { limits.append("ALARM above \(Self.number(above))") }
            if let below { limits.append("ALARM below \(Self.number(below))") }
            return "Prometheus \(url) query `\(query)`: \(limits.joined(separator: ", "))"
        }
    }

    public static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
