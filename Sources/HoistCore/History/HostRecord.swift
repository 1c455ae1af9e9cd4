import Foundation

/// One host's part in a deployment: its overall status and, when it failed, why.
public struct HostRecord: Sendable, Hashable, Codable {
    public var deploymentID: DeploymentID
    /// The inventory name of the host.
    public var host: String
    /// The address connected to.
    public var address: String
    public var status: InstanceStatus
    /// The error of the event that failed the host.
    public var errorCode: LifecycleErrorCode?
    public var message: String?
    public var startTime: Date?
    public var endTime: Date?

    public init(
        deploymentID: DeploymentID, host: String, address: String, status: InstanceStatus = .pending,
        errorCode: LifecycleErrorCode? = nil, message: String? = nil, startTime: Date? = nil, endTime: Date? = nil
    ) {
        self.deploymentID = deploymentID
        self.host = host
        self.address = address
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.startTime = startTime
        self.endTime = endTime
    }
}
