import HoistCore

/// When a deployment rolls back by itself, and with which configuration.
public struct RollbackPolicy: Sendable, Hashable {
    public var onFailure: Bool
    public var onStop: Bool
    /// After an alarm stopped the deployment (DEPLOYMENT_STOP_ON_ALARM).
    public var onAlarm: Bool
    /// The configuration the deployment ran with; a rollback uses it when it can run on the
    /// hosts it has (see `config(forHosts:)`).
    public var config: DeploymentConfig

    public init(onFailure: Bool, onStop: Bool, onAlarm: Bool = false, config: DeploymentConfig) {
        self.onFailure = onFailure
        self.onStop = onStop
        self.onAlarm = onAlarm
        self.config = config
    }

    /// Whether a deployment that ended with `status` (and `errorCode`) rolls back: a stop by
    /// an alarm (ALARM_ACTIVE) follows `onAlarm`, any other stop `onStop`.
    public func wants(_ status: DeploymentStatus, errorCode: DeploymentErrorCode? = nil) -> Bool {
        switch status {
        case .failed: return onFailure
        case .stopped where errorCode == .alarmActive: return onAlarm
        case .stopped: return onStop
        default: return false
        }
    }

    /// The configuration for a rollback to `hosts` (the hosts the failed deployment touched):
    /// the deployment's own when it can start there, else OneAtATime, which can start on any
    /// number of healthy hosts. A HalfAtATime deployment whose first host failed must still
    /// put that one host back. Returns the configuration and, when it differs, why. The same
    /// holds for `hoist rollback` and `hoist redeploy --only-failed` without `--config`
    /// (`purpose`: "redeploy"), with the hosts' `health`: the command Hoist suggested after a
    /// failure was refused (HEALTH_CONSTRAINTS_INVALID) on the one host it named.
    public func config(forHosts hosts: [String], health: [String: HostHealth] = [:],
                       purpose: String = "roll back") -> (config: DeploymentConfig, note: String?) {
        let rollout = RolloutPlanner(hosts: hosts.map { RolloutHost(name: $0, health: health[$0] ?? .neverDeployed) }, config: config)
        guard config.zonal == nil, let refusal = rollout.refusal, refusal.code == .healthConstraintsInvalid else { return (config, nil) }
        return (.oneAtATime, "\(config.name) cannot run on the \(hosts.count) host\(hosts.count == 1 ? "" : "s") to \(purpose) (\(refusal.message)); "
                + "OneAtATime is used")
    }
}
