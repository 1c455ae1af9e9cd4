import Foundation
import HoistCore

/// An alarm check's state, with CloudWatch's names.
public enum AlarmState: String, Sendable, Hashable, Codable {
    /// Not evaluated yet, or not evaluable with `ignore_poll_alarm_failure`.
    case insufficientData = "INSUFFICIENT_DATA"
    case ok = "OK"
    case alarm = "ALARM"
}

/// A check's state changed.
public struct AlarmChange: Sendable, Hashable, Codable {
    public var check: String
    public var state: AlarmState
    public var previous: AlarmState
    /// What the check saw (`HTTP 500`, `0.72 > 0.5`, `not evaluated: connection refused`).
    public var reason: String
    public var time: Date

    public init(check: String, state: AlarmState, previous: AlarmState, reason: String, time: Date) {
        self.check = check
        self.state = state
        self.previous = previous
        self.reason = reason
        self.time = time
    }
}

/// The states of a deployment's alarm checks, fed one reading at a time. A value type with no
/// I/O: the monitor polls and feeds it; tests drive it directly.
///
/// - `ok` → OK; `alarm` → ALARM;
/// - `notEvaluated` → ALARM, as CodeDeploy counts an alarm it cannot poll, unless
///   `ignore_poll_alarm_failure`, then INSUFFICIENT_DATA (which never stops anything).
public struct AlarmBoard: Sendable {
    public let checks: [String]
    public let ignorePollAlarmFailure: Bool
    private var states: [String: AlarmState]
    private var reasons: [String: String] = [:]

    public init(checks: [String], ignorePollAlarmFailure: Bool) {
        self.checks = checks
        self.ignorePollAlarmFailure = ignorePollAlarmFailure
        states = Dictionary(uniqueKeysWithValues: checks.map { ($0, AlarmState.insufficientData) })
    }

    public func state(of check: String) -> AlarmState? { states[check] }

    /// Records a reading; returns the change when the check's state moved.
    public mutating func record(_ check: String, _ reading: AlarmReading, at time: Date) -> AlarmChange? {
        guard let previous = states[check] else { return nil }
        let (state, reason): (AlarmState, String)
        switch reading {
        case .ok(let seen): (state, reason) = (.ok, seen)
        case .alarm(let seen): (state, reason) = (.alarm, seen)
        case .notEvaluated(let why):
            (state, reason) = ignorePollAlarmFailure
                ? (.insufficientData, "not evaluated: \(why) (ignored: ignore_poll_alarm_failure)")
                : (.alarm, "not evaluated: \(why)")
        }
        states[check] = state
        reasons[check] = reason
        guard state != previous else { return nil }
        return AlarmChange(check: check, state: state, previous: previous, reason: reason, time: time)
    }

    /// The checks in ALARM, in the playbook's order.
    public var firing: [String] { checks.filter { states[$0] == .alarm } }

    /// Why the deployment stops, for its error message: `alarm check 'api' is in ALARM (HTTP 500)`.
    public var firingSentence: String? {
        let names = firing
        guard !names.isEmpty else { return nil }
        let parts = names.map { "'\($0)' (\(reasons[$0] ?? ""))" }
        return (names.count == 1 ? "alarm check " : "alarm checks ") + parts.joined(separator: ", ")
            + (names.count == 1 ? " is" : " are") + " in ALARM"
    }
}
