import Foundation

/// One line a host printed during a lifecycle event. `seq` orders every line of a history
/// file; `hoist logs --follow` polls for lines after the last `seq` it printed.
public struct OutputRecord: Sendable, Hashable, Codable {
    public var deploymentID: DeploymentID
    public var host: String
    public var event: LifecycleEvent
    /// Given by the store when the line is appended; the value passed to `appendOutput` is
    /// not used.
    public var seq: Int64
    public var stream: OutputStream
    public var time: Date
    public var text: String

    public init(
        deploymentID: DeploymentID, host: String, event: LifecycleEvent, seq: Int64 = 0,
        stream: OutputStream, time: Date, text: String
    ) {
        self.deploymentID = deploymentID
        self.host = host
        self.event = event
        self.seq = seq
        self.stream = stream
        self.time = time
        self.text = text
    }
}
