import HoistCore

extension DeploymentVerdict {
    /// The verdict once every host has run to the end: Succeeded when at least
    /// `max(minimum, 1)` of them succeeded (CodeDeploy wants one success even with a minimum
    /// of 0), else Failed, HEALTH_CONSTRAINTS. The rollout ends this way, and so does a
    /// deployment whose coordinator died after its hosts finished (`HostRecordsReconciliation`),
    /// so both give the same answer for the same hosts.
    public static func everyHostRan(_ hosts: [RolloutHostOutcome], limits: RolloutLimits) -> DeploymentVerdict {
        let succeeded = hosts.count(where: { $0.status == .succeeded })
        guard succeeded >= max(limits.minimumHealthy, 1) else {
            return DeploymentVerdict(status: .failed, errorCode: .healthConstraints, message: RolloutMessages.healthConstraints, hosts: hosts)
        }
        return DeploymentVerdict(
            status: .succeeded, errorCode: nil,
            message: RolloutMessages.succeeded(succeeded: succeeded, fleetSize: limits.fleetSize, minimum: limits.minimumHealthy),
            hosts: hosts)
    }
}
