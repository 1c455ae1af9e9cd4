import Foundation

/// One phase of a deployment made of several (blue/green): blocking the replacement fleet,
/// installing, the ready wait, each reroute batch, terminating the original fleet. The
/// history keeps them so `hoist show` can put each host's events under the phase they ran in
/// (an event belongs to the phase during which it started).
public struct PhaseRecord: Sendable, Hashable, Codable {
    public var deploymentID: DeploymentID
    /// 0, 1, 2… in the order the phases ran.
    public var index: Int
    /// E.g. `Install on green`, `Ready`, `Reroute 1 of 2`.
    public var name: String
    /// What it does, in a sentence.
    public var detail: String?
    public var hosts: [String]
    public var startTime: Date
    /// Set when the next phase starts or the deployment ends.
    public var endTime: Date?

    public init(deploymentID: DeploymentID, index: Int, name: String, detail: String? = nil, hosts: [String],
                startTime: Date, endTime: Date? = nil) {
        self.deploymentID = deploymentID
        self.index = index
        self.name = name
        self.detail = detail
        self.hosts = hosts
        self.startTime = startTime
        self.endTime = endTime
    }

    /// Whether an event that started at `time` ran in this phase.
    public func contains(_ time: Date?) -> Bool {
        guard let time else { return false }
        return time >= startTime && endTime.map { time < $0 } ?? true
    }
}
