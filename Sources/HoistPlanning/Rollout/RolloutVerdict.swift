import HoistCore

/// One host's final status in a deployment.
public struct RolloutHostOutcome: Sendable, Hashable {
    public var name: String
    /// `succeeded`, `failed` or `skipped`.
    public var status: InstanceStatus
    public init(name: String, status: InstanceStatus) {
        self.name = name
        self.status = status
    }
}

/// How a deployment ended: the overall status, CodeDeploy's error code and message, and every
/// host's final status (in deployment order), so no host's outcome is lost.
public struct DeploymentVerdict: Sendable, Hashable {
    /// `succeeded`, `failed` or `stopped`.
    public var status: DeploymentStatus
    public var errorCode: DeploymentErrorCode?
    public var message: String
    public var hosts: [RolloutHostOutcome]

    public init(
        status: DeploymentStatus, errorCode: DeploymentErrorCode?, message: String,
        hosts: [RolloutHostOutcome]
    ) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.hosts = hosts
    }

    public func status(of host: String) -> InstanceStatus? {
        hosts.first { $0.name == host }?.status
    }

    public func count(_ status: InstanceStatus) -> Int {
        hosts.count(where: { $0.status == status })
    }
}

/// What the rollout planner asks its driver (the engine) to do.
public enum RolloutAction: Sendable, Hashable {
    /// Start deploying to this host now.
    case startHost(String)
    /// Wait this many seconds (a zone's bake time), then call `bakeFinished()`.
    case bake(seconds: Int)
    /// The deployment is over; no more actions follow.
    case finished(DeploymentVerdict)
}

/// CodeDeploy's texts, and Hoist's own where CodeDeploy has none.
enum RolloutMessages {
    static let healthConstraints =
        "The overall deployment failed because too many individual instances failed deployment,"
        + " too few healthy instances are available for deployment, or some instances in your"
        + " deployment group are experiencing problems."

    static let noInstances =
        "The deployment failed because no instances were found for your deployment group."
        + " Check the host selection (tags, tag groups and --hosts) and try again."

    /// HEALTH_CONSTRAINTS_INVALID's sentence, with the numbers; `scope` is e.g. "" or
    /// " in zone \"a\"", `source` says where the minimum comes from.
    static func healthConstraintsInvalid(
        scope: String, minimum: Int, of total: Int, source: String, healthy: Int, advice: String
    ) -> String {
        "The deployment can't start because the minimum number of healthy instances\(scope)"
            + " (\(minimum) of \(total), from \(source)) are not available: \(healthy)"
            + " \(healthy == 1 ? "host is" : "hosts are") healthy, and at least \(minimum + 1)"
            + " must be so that one host can be taken out of service. \(advice)"
    }

    static func stopped(skipped: Int) -> String {
        "The deployment was stopped on request; \(skippedHosts(skipped))."
    }

    static func stoppedOnAlarm(_ why: String, skipped: Int) -> String {
        "The deployment was stopped because \(why); \(skippedHosts(skipped))."
    }

    /// "0 hosts were skipped and may need another deployment" read as a warning about nothing.
    static func skippedHosts(_ skipped: Int) -> String {
        skipped == 0 ? "every host had started, none was skipped"
            : "\(skipped) \(skipped == 1 ? "host was" : "hosts were") skipped and may need another deployment"
    }

    static func stoppedOnLostLock(_ why: String, skipped: Int) -> String {
        "The deployment was stopped because \(why); \(skipped) \(skipped == 1 ? "host was" : "hosts were")"
            + " skipped. Nothing more was started on the hosts and no automatic rollback ran: they belong to"
            + " whichever deployment holds the lock now."
    }

    static func succeeded(succeeded: Int, fleetSize: Int, minimum: Int) -> String {
        "The deployment succeeded: \(succeeded) of \(fleetSize) hosts succeeded"
            + " (at least \(max(minimum, 1)) needed)."
    }
}
