import Foundation
import HoistCore

/// The facts a deployment trigger reports: CodeDeploy's deployment payload.
public struct DeploymentFacts: Sendable, Hashable {
    public var deploymentID: String
    public var application: String
    public var deploymentGroup: String
    public var createTime: Date
    public var completeTime: Date?
    /// CodeDeploy's upper-case status word: CREATED, READY, SUCCEEDED, FAILED, STOPPED.
    public var status: String
    public var overview: [InstanceStatus: Int]
    public var errorCode: String?
    public var errorMessage: String?

    public init(deploymentID: String, application: String, deploymentGroup: String, createTime: Date, completeTime: Date? = nil,
                status: String, overview: [InstanceStatus: Int] = [:], errorCode: String? = nil, errorMessage: String? = nil) {
        self.deploymentID = deploymentID
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.createTime = createTime
        self.completeTime = completeTime
        self.status = status
        self.overview = overview
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// One lifecycle event of a host, as the instance payload lists it.
public struct LifecycleEventFacts: Sendable, Hashable {
    public var event: LifecycleEvent
    public var status: LifecycleEventStatus
    public var start: Date?
    public var end: Date?
    public init(event: LifecycleEvent, status: LifecycleEventStatus, start: Date?, end: Date?) {
        self.event = event
        self.status = status
        self.start = start
        self.end = end
    }
}

/// The facts an instance trigger reports: CodeDeploy's instance payload.
public struct InstanceFacts: Sendable, Hashable {
    public var deploymentID: String
    /// The inventory host name (CodeDeploy sends an instance ARN).
    public var host: String
    public var lastUpdatedAt: Date
    public var status: InstanceStatus
    public var events: [LifecycleEventFacts]
    public init(deploymentID: String, host: String, lastUpdatedAt: Date, status: InstanceStatus, events: [LifecycleEventFacts]) {
        self.deploymentID = deploymentID
        self.host = host
        self.lastUpdatedAt = lastUpdatedAt
        self.status = status
        self.events = events
    }
}

/// Renders trigger payloads. Pure: the same facts give the same bytes, tested word for word.
///
/// The `codedeploy` format is the JSON CodeDeploy puts in its SNS message (UG "JSON data
/// formats for CodeDeploy triggers"), in the same key order, so receivers written for
/// CodeDeploy work unchanged. Times are epoch seconds with milliseconds, as strings.
/// There is no AWS region or account: `region` is `on-premises` and `accountId` is empty.
public enum TriggerPayload {
    public static let region = "on-premises"
    public static let accountID = ""
    static let overviewOrder: [(String, InstanceStatus)] = [
        ("Failed", .failed), ("InProgress", .inProgress), ("Pending", .pending), ("Skipped", .skipped), ("Succeeded", .succeeded),
    ]

    /// CodeDeploy's deployment payload. `completeTime` and `errorInformation` appear only when
    /// known (the deployment has ended; it has an error).
    public static func deployment(trigger: String, _ d: DeploymentFacts) -> String {
        var members: [(String, String)] = [
            ("region", q(region)), ("accountId", q(accountID)), ("eventTriggerName", q(trigger)),
            ("applicationName", q(d.application)), ("deploymentId", q(d.deploymentID)),
            ("deploymentGroupName", q(d.deploymentGroup)), ("createTime", q(epoch(d.createTime))),
        ]
        if let complete = d.completeTime { members.append(("completeTime", q(epoch(complete)))) }
        members.append(("deploymentOverview", JSONText.object(overviewOrder.map { ($0.0, q(String(d.overview[$0.1] ?? 0))) })))
        members.append(("status", q(d.status)))
        if let code = d.errorCode {
            members.append(("errorInformation", JSONText.object([("ErrorCode", q(code)), ("ErrorMessage", q(d.errorMessage ?? ""))])))
        }
        return JSONText.object(members)
    }

    /// CodeDeploy's instance payload; `instanceId` is the inventory host name.
    public static func instance(trigger: String, _ i: InstanceFacts) -> String {
        let events = i.events.map { e in
            JSONText.object([
                ("LifecycleEvent", q(e.event.rawValue)), ("LifecycleEventStatus", q(e.status.rawValue)),
                ("StartTime", q(e.start.map(epoch) ?? "")), ("EndTime", q(e.end.map(epoch) ?? "")),
            ])
        }
        return JSONText.object([
            ("region", q(region)), ("accountId", q(accountID)), ("eventTriggerName", q(trigger)),
            ("deploymentId", q(i.deploymentID)), ("instanceId", q(i.host)), ("lastUpdatedAt", q(epoch(i.lastUpdatedAt))),
            ("instanceStatus", q(i.status.rawValue)), ("lifecycleEvents", JSONText.array(events)),
        ])
    }

    /// A Slack incoming-webhook message: `{"text": "..."}` with one line saying what happened.
    public static func slack(event: TriggerEventType, _ d: DeploymentFacts, instance: InstanceFacts?) -> String {
        var text = "\(event.rawValue): \(d.application)/\(d.deploymentGroup) \(d.deploymentID)"
        if let instance {
            text += " on \(instance.host): \(instance.status.rawValue)"
            if let failed = instance.events.first(where: { $0.status == .failed }) { text += " in \(failed.event.rawValue)" }
        } else {
            let counts = overviewOrder.compactMap { name, status in (d.overview[status] ?? 0) > 0 ? "\(d.overview[status]!) \(name.lowercased())" : nil }
            text += " \(d.status.lowercased())" + (counts.isEmpty ? "" : " (\(counts.joined(separator: ", ")))")
            if let code = d.errorCode { text += " [\(code)] \(d.errorMessage ?? "")" }
        }
        return JSONText.object([("text", q(text.trimmingCharacters(in: .whitespaces)))])
    }

    /// Epoch seconds with three decimals: `1446744188.595`.
    public static func epoch(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    private static func q(_ text: String) -> String { JSONText.quote(text) }
}
