import HoistCore

/// The numbers a deployment configuration means for one fleet, fixed at deployment start:
/// how many hosts must stay healthy and how many may be out of service at once.
public struct RolloutLimits: Sendable, Hashable {
    public let fleetSize: Int
    /// Hosts not marked unhealthy before the deployment.
    public let healthyAtStart: Int
    public let minimumHealthy: Int
    /// `healthyAtStart − minimumHealthy`, never negative, and at most `concurrencyCap`.
    public let maxConcurrency: Int
    /// The playbook's `ssh.concurrency`: how many hosts may be worked on at once whatever
    /// the configuration allows (nil: no cap).
    public let concurrencyCap: Int?

    public init(config: DeploymentConfig, fleetSize: Int, healthyAtStart: Int, concurrencyCap: Int? = nil) {
        self.fleetSize = fleetSize
        self.healthyAtStart = healthyAtStart
        if config.isOneAtATime {
            // CodeDeploy's OneAtATime is "most concurrency 1", not a literal 99% (which would
            // round up to the whole fleet): all but one of the healthy hosts stay healthy.
            minimumHealthy = max(0, healthyAtStart - 1)
        } else {
            minimumHealthy = config.minimumHealthyHosts.hostCount(fleetSize: fleetSize)
        }
        let cap = concurrencyCap.map { max(1, $0) }
        self.concurrencyCap = cap
        maxConcurrency = min(max(0, healthyAtStart - minimumHealthy), cap ?? .max)
    }

    /// True when `ssh.concurrency` lowered the window below what the configuration allows.
    public var isCapped: Bool {
        guard let concurrencyCap else { return false }
        return concurrencyCap < max(0, healthyAtStart - minimumHealthy)
    }

    /// Why CodeDeploy would refuse to start with these numbers, or `nil` if it can start.
    func refusal(config: DeploymentConfig) -> RolloutRefusal? {
        if fleetSize == 0 {
            return RolloutRefusal(code: .noInstances, message: RolloutMessages.noInstances)
        }
        guard healthyAtStart <= minimumHealthy else { return nil }
        let rule = config.minimumHealthyHosts
        let source = config.isOneAtATime
            ? "\(config.name), which keeps all but one healthy host"
            : "\(config.name) with \(rule.kind.rawValue) \(rule.value)"
        return RolloutRefusal(
            code: .healthConstraintsInvalid,
            message: RolloutMessages.healthConstraintsInvalid(
                scope: "", minimum: minimumHealthy, of: fleetSize,
                source: source, healthy: healthyAtStart,
                advice: "Lower the minimum healthy hosts, or deploy to fewer unhealthy hosts."))
    }
}

/// Why a deployment can't start: the error code and the sentence to show.
public struct RolloutRefusal: Sendable, Hashable {
    public var code: DeploymentErrorCode
    public var message: String
    public init(code: DeploymentErrorCode, message: String) {
        self.code = code
        self.message = message
    }
}
