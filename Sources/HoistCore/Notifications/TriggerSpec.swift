/// CodeDeploy's trigger event types (`TriggerEventType`), with its names.
public enum TriggerEventType: String, Sendable, Hashable, Codable, CaseIterable {
    case deploymentStart = "DeploymentStart"
    case deploymentSuccess = "DeploymentSuccess"
    case deploymentFailure = "DeploymentFailure"
    case deploymentStop = "DeploymentStop"
    case deploymentRollback = "DeploymentRollback"
    case deploymentReady = "DeploymentReady"
    case instanceStart = "InstanceStart"
    case instanceSuccess = "InstanceSuccess"
    case instanceFailure = "InstanceFailure"
    case instanceReady = "InstanceReady"

    /// True for the events about one host, whose payload is CodeDeploy's instance JSON.
    public var isInstanceEvent: Bool { rawValue.hasPrefix("Instance") }
}

/// A playbook's `triggers:` entry: which deployment events to tell someone about, and how
/// (a webhook POST or a local command). Up to 10 per playbook, as in CodeDeploy.
public struct TriggerSpec: Sendable, Hashable, Codable {
    /// The body a webhook receives.
    public enum WebhookFormat: String, Sendable, Hashable, Codable, CaseIterable {
        /// CodeDeploy's SNS message JSON (deployment or instance payload).
        case codedeploy
        /// `{"text": "..."}`, a Slack incoming-webhook message.
        case slack
    }

    public enum Target: Sendable, Hashable, Codable {
        /// POST to `url`; with `secretEnv`, the body's HMAC-SHA256 (keyed by that
        /// environment variable's value) goes in the `X-Hoist-Signature-256` header.
        case webhook(url: String, format: WebhookFormat, secretEnv: String?)
        /// `/bin/sh -c command` on the coordinator, in `directory` (the playbook's folder),
        /// with the CodeDeploy payload JSON on stdin and HOIST_* variables in its environment.
        case command(String, directory: String)
    }

    public static let maximumCount = 10
    public static let defaultTimeoutSeconds = 5.0

    public var name: String
    /// The events that fire this trigger, in CodeDeploy's order; all of them when the
    /// playbook names none.
    public var events: [TriggerEventType]
    public var target: Target
    /// How long one delivery attempt may take.
    public var timeoutSeconds: Double

    public init(name: String, events: [TriggerEventType] = TriggerEventType.allCases, target: Target,
                timeoutSeconds: Double = TriggerSpec.defaultTimeoutSeconds) {
        self.name = name
        self.events = events
        self.target = target
        self.timeoutSeconds = timeoutSeconds
    }

    /// Where deliveries go, as `hoist plan` and the history show it.
    public var destination: String {
        switch target {
        case .webhook(let url, _, _): return url
        case .command(let command, _): return command
        }
    }
}
