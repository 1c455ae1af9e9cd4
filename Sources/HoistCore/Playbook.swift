/// A deployment group as a file: which application, which hosts (an inventory and tag
/// groups), how fast (deployment configuration), with which load balancers, and what happens
/// on failure. Paths are absolute, resolved against the playbook's folder when it was read.
public struct Playbook: Sendable, Hashable, Codable {
    /// The playbook file, as the user named it.
    public var file: String
    public var application: String
    public var deploymentGroup: String
    /// The inventory file, absolute.
    public var inventoryPath: String
    /// Tag groups selecting hosts of the inventory; empty means every host.
    public var targets: [TagGroup]
    public var deploymentConfig: DeploymentConfig
    /// The default revision (folder or bundle), absolute; nil when the command line must name one.
    public var revisionPath: String?
    public var fileExistsBehavior: FileExistsBehavior
    public var ignoreApplicationStopFailures: Bool
    public var autoRollback: AutoRollback
    public var loadBalancers: [LoadBalancerSpec]
    public var blueGreen: BlueGreenSpec?
    public var ssh: SSHOverrides
    /// How many revisions each host keeps (CodeDeploy's max_revisions), at least 1.
    public var maxRevisions: Int
    /// The history: a file path (absolute) or a server URL (`postgresql://…`); nil means the
    /// default file.
    public var historyPath: String?
    /// Who is told about the deployment's events (webhooks, commands).
    public var triggers: [TriggerSpec]
    /// Checks that stop the deployment when the service gets worse.
    public var alarms: AlarmsSpec?

    public static let defaultMaxRevisions = 5

    public init(
        file: String, application: String, deploymentGroup: String, inventoryPath: String,
        targets: [TagGroup] = [], deploymentConfig: DeploymentConfig = .oneAtATime, revisionPath: String? = nil,
        fileExistsBehavior: FileExistsBehavior = .disallow, ignoreApplicationStopFailures: Bool = false,
        autoRollback: AutoRollback = AutoRollback(), loadBalancers: [LoadBalancerSpec] = [],
        blueGreen: BlueGreenSpec? = nil, ssh: SSHOverrides = SSHOverrides(),
        maxRevisions: Int = Playbook.defaultMaxRevisions, historyPath: String? = nil,
        triggers: [TriggerSpec] = [], alarms: AlarmsSpec? = nil
    ) {
        self.file = file
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.inventoryPath = inventoryPath
        self.targets = targets
        self.deploymentConfig = deploymentConfig
        self.revisionPath = revisionPath
        self.fileExistsBehavior = fileExistsBehavior
        self.ignoreApplicationStopFailures = ignoreApplicationStopFailures
        self.autoRollback = autoRollback
        self.loadBalancers = loadBalancers
        self.blueGreen = blueGreen
        self.ssh = ssh
        self.maxRevisions = maxRevisions
        self.historyPath = historyPath
        self.triggers = triggers
        self.alarms = alarms
    }
}

/// When a failed or stopped deployment redeploys the last good revision by itself
/// (CodeDeploy's DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_REQUEST, DEPLOYMENT_STOP_ON_ALARM).
public struct AutoRollback: Sendable, Hashable, Codable {
    public var onFailure: Bool
    public var onStop: Bool
    /// After an alarm stopped the deployment (DEPLOYMENT_STOP_ON_ALARM).
    public var onAlarm: Bool
    public init(onFailure: Bool = false, onStop: Bool = false, onAlarm: Bool = false) {
        self.onFailure = onFailure
        self.onStop = onStop
        self.onAlarm = onAlarm
    }
}

/// SSH settings a playbook imposes over its inventory (user, keys, host key policy, jump
/// hosts) and the coordinator's connection limits.
public struct SSHOverrides: Sendable, Hashable, Codable {
    public var connectTimeoutSeconds: Double?
    public var user: String?
    /// Absolute paths.
    public var identityFiles: [String]?
    public var knownHostsFile: String?
    public var hostKeyChecking: HostKeyChecking?
    /// Hops as written: an inventory host name or `user@host:port`; [] means no jump.
    public var jump: [String]?
    /// How many SSH handshakes may be in flight at once.
    public var handshakeConcurrency: Int?
    /// How many hosts may be worked on at once, whatever the batch size.
    public var concurrency: Int?

    public init(
        connectTimeoutSeconds: Double? = nil, user: String? = nil, identityFiles: [String]? = nil,
        knownHostsFile: String? = nil, hostKeyChecking: HostKeyChecking? = nil, jump: [String]? = nil,
        handshakeConcurrency: Int? = nil, concurrency: Int? = nil
    ) {
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.user = user
        self.identityFiles = identityFiles
        self.knownHostsFile = knownHostsFile
        self.hostKeyChecking = hostKeyChecking
        self.jump = jump
        self.handshakeConcurrency = handshakeConcurrency
        self.concurrency = concurrency
    }
}
