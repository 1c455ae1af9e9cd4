import Foundation

/// What one evaluation of an alarm check found.
public enum AlarmReading: Sendable, Hashable {
    /// The check passed; the text says what was seen (e.g. `200`, `0.12`).
    case ok(String)
    /// The check failed: the service is worse.
    case alarm(String)
    /// The check could not be evaluated (timeout, connection refused, an answer that makes
    /// no sense): ALARM unless `ignore_poll_alarm_failure`.
    case notEvaluated(String)
}

/// Evaluates alarm checks. HoistNotify implements it over HTTP, Prometheus's query API and
/// local commands; engine tests use fakes. Never runs anything on the fleet's hosts.
public protocol AlarmProbe: Sendable {
    /// Evaluates `check` once. `hosts` are the hosts deployed so far, for per-host checks.
    func evaluate(_ check: AlarmCheckSpec, hosts: [HostSpec]) async -> AlarmReading
}

/// One attempt to deliver a trigger's notification.
public struct TriggerRequest: Sendable, Hashable {
    public var trigger: TriggerSpec
    public var event: TriggerEventType
    /// What is sent: the webhook's body, or the command's stdin.
    public var body: String
    /// HOIST_* variables for a command trigger.
    public var environment: [String: String]

    public init(trigger: TriggerSpec, event: TriggerEventType, body: String, environment: [String: String]) {
        self.trigger = trigger
        self.event = event
        self.body = body
        self.environment = environment
    }
}

/// Delivers trigger notifications: HoistNotify implements it with HTTP POSTs and local
/// commands. One call is one attempt; the engine retries.
public protocol TriggerTransport: Sendable {
    /// Delivers `request` within its trigger's timeout, or throws an error whose description
    /// says what went wrong (`HTTP 500`, `timed out after 5 s`, `exit status 1`).
    func deliver(_ request: TriggerRequest) async throws
}
