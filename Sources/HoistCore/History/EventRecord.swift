import Foundation

/// One lifecycle event on one host, CodeDeploy's `LifecycleEvent` with its diagnostics.
public struct EventRecord: Sendable, Hashable, Codable {
    public var deploymentID: DeploymentID
    public var host: String
    public var event: LifecycleEvent
    public var status: LifecycleEventStatus
    public var errorCode: LifecycleErrorCode?
    public var message: String?
    /// The script that failed, or the last one run.
    public var scriptName: String?
    public var startTime: Date?
    public var endTime: Date?

    public init(
        deploymentID: DeploymentID, host: String, event: LifecycleEvent, status: LifecycleEventStatus = .pending,
        errorCode: LifecycleErrorCode? = nil, message: String? = nil, scriptName: String? = nil,
        startTime: Date? = nil, endTime: Date? = nil
    ) {
        self.deploymentID = deploymentID
        self.host = host
        self.event = event
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.scriptName = scriptName
        self.startTime = startTime
        self.endTime = endTime
    }
}
