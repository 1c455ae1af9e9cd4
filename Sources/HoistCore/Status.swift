/// A deployment's overall status, with CodeDeploy's names.
public enum DeploymentStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case created = "Created", queued = "Queued", inProgress = "InProgress", baking = "Baking"
    case succeeded = "Succeeded", failed = "Failed", stopped = "Stopped", ready = "Ready"

    public var isFinal: Bool { self == .succeeded || self == .failed || self == .stopped }
}

/// One host's status within a deployment.
public enum InstanceStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "Pending", inProgress = "InProgress", succeeded = "Succeeded", failed = "Failed"
    case skipped = "Skipped", unknown = "Unknown", ready = "Ready"
}

/// One lifecycle event's status on one host.
public enum LifecycleEventStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "Pending", inProgress = "InProgress", succeeded = "Succeeded", failed = "Failed"
    case skipped = "Skipped", unknown = "Unknown"
}

/// Why a lifecycle event failed on a host. CodeDeploy's six, plus the agent's two extra codes,
/// plus Hoist's own: a host that could not be reached is never reported as a script failure.
public enum LifecycleErrorCode: String, Sendable, Hashable, Codable, CaseIterable {
    case success = "Success"
    case scriptMissing = "ScriptMissing"
    case scriptNotExecutable = "ScriptNotExecutable"
    case scriptTimedOut = "ScriptTimedOut"
    case scriptFailed = "ScriptFailed"
    case unknownError = "UnknownError"
    case outputsLeftOpen = "OutputsLeftOpen"
    case failedAfterRestart = "FailedAfterRestart"
    case hostUnreachable = "HostUnreachable"
}

/// Why a deployment as a whole failed (CodeDeploy's codes that apply without AWS).
public enum DeploymentErrorCode: String, Sendable, Hashable, Codable, CaseIterable {
    case healthConstraints = "HEALTH_CONSTRAINTS"
    case healthConstraintsInvalid = "HEALTH_CONSTRAINTS_INVALID"
    case noInstances = "NO_INSTANCES"
    case invalidRevision = "INVALID_REVISION"
    case revisionMissing = "REVISION_MISSING"
    case manualStop = "MANUAL_STOP"
    /// An alarm check was in ALARM: the deployment was stopped.
    case alarmActive = "ALARM_ACTIVE"
    case timeout = "TIMEOUT"
    case internalError = "INTERNAL_ERROR"
    case elasticLoadBalancingInvalid = "ELASTIC_LOAD_BALANCING_INVALID"
    case failedAfterRestart = "FAILED_AFTER_RESTART"
}

/// Who or what started a deployment.
public enum DeploymentCreator: String, Sendable, Hashable, Codable, CaseIterable {
    case user, rollback = "codeDeployRollback", redeploy, automation
}

/// A deployment id: `d-` followed by nine upper-case letters and digits, like CodeDeploy's.
public struct DeploymentID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String
    public init?(_ rawValue: String) {
        guard rawValue.count == 11, rawValue.hasPrefix("d-"),
            rawValue.dropFirst(2).allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
        else { return nil }
        self.rawValue = rawValue
    }
    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> DeploymentID {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let tail = String((0..<9).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
        return DeploymentID("d-" + tail)!
    }
    public static func random() -> DeploymentID {
        var rng = SystemRandomNumberGenerator()
        return random(using: &rng)
    }
    public var description: String { rawValue }
    public static func < (a: DeploymentID, b: DeploymentID) -> Bool { a.rawValue < b.rawValue }
}
