import Foundation

/// One trigger notification and how its delivery ended, as `hoist show` lists it.
public struct DeliveryRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case delivered = "Delivered", failed = "Failed"
    }

    public var deploymentID: DeploymentID
    public var trigger: String
    public var event: TriggerEventType
    /// The host, for instance events.
    public var host: String?
    /// The webhook URL or the command.
    public var target: String
    public var status: Status
    public var attempts: Int
    /// The last attempt's error, when it failed.
    public var error: String?
    /// When the deployment event happened.
    public var eventTime: Date
    /// When the last attempt ended.
    public var endTime: Date

    public init(deploymentID: DeploymentID, trigger: String, event: TriggerEventType, host: String?, target: String,
                status: Status, attempts: Int, error: String?, eventTime: Date, endTime: Date) {
        self.deploymentID = deploymentID
        self.trigger = trigger
        self.event = event
        self.host = host
        self.target = target
        self.status = status
        self.attempts = attempts
        self.error = error
        self.eventTime = eventTime
        self.endTime = endTime
    }
}
