import Foundation

/// One deployment as the history keeps it: what was deployed where, by whom, and how it
/// ended. The engine writes it; `hoist list`, `show`, rollback and crash recovery read it.
public struct DeploymentRecord: Sendable, Hashable, Codable {
    public var id: DeploymentID
    public var application: String
    public var deploymentGroup: String
    /// The playbook file the deployment was started from, as given.
    public var playbookPath: String
    public var status: DeploymentStatus
    public var errorCode: DeploymentErrorCode?
    public var errorMessage: String?
    public var creator: DeploymentCreator
    /// The person behind it, as `user@machine`.
    public var createdBy: String
    /// The revision's bundle or folder, as given.
    public var revisionPath: String
    /// The bundle's SHA-256 in lower-case hex; nil until the bundle has been built or read.
    public var revisionSHA256: String?
    /// The git commit of the revision's work tree when it was deployed (12 hex digits, with
    /// `+dirty` when tracked files had changes); nil when the revision is not in a work tree.
    public var revisionCommit: String?
    public var deploymentConfigName: String
    public var fileExistsBehavior: FileExistsBehavior
    /// The deployment this one rolls back or redeploys.
    public var rollbackOf: DeploymentID?
    public var deploymentType: DeploymentType
    /// Where it was started from (terminal, CI, cron); nil in records older than the field.
    public var origin: DeploymentOrigin?
    /// Free text the user gave (CodeDeploy allows up to 256 characters).
    public var description: String?
    public var createTime: Date
    public var startTime: Date?
    public var endTime: Date?
    /// Hosts the deployment targets, once they are selected.
    public var hostCount: Int
    /// The process running it; nil in records older than the field (and imported ones keep
    /// the machine they ran on).
    public var coordinator: DeploymentCoordinator?

    public init(
        id: DeploymentID, application: String, deploymentGroup: String, playbookPath: String,
        status: DeploymentStatus = .created, errorCode: DeploymentErrorCode? = nil, errorMessage: String? = nil,
        creator: DeploymentCreator = .user, createdBy: String, revisionPath: String, revisionSHA256: String? = nil,
        deploymentConfigName: String, fileExistsBehavior: FileExistsBehavior = .disallow,
        rollbackOf: DeploymentID? = nil, deploymentType: DeploymentType = .inPlace, description: String? = nil,
        createTime: Date, startTime: Date? = nil, endTime: Date? = nil, hostCount: Int = 0,
        revisionCommit: String? = nil, origin: DeploymentOrigin? = nil, coordinator: DeploymentCoordinator? = nil
    ) {
        self.id = id
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.playbookPath = playbookPath
        self.status = status
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.creator = creator
        self.createdBy = createdBy
        self.revisionPath = revisionPath
        self.revisionSHA256 = revisionSHA256
        self.deploymentConfigName = deploymentConfigName
        self.fileExistsBehavior = fileExistsBehavior
        self.rollbackOf = rollbackOf
        self.deploymentType = deploymentType
        self.description = description
        self.createTime = createTime
        self.startTime = startTime
        self.endTime = endTime
        self.hostCount = hostCount
        self.revisionCommit = revisionCommit
        self.origin = origin
        self.coordinator = coordinator
    }
}

/// The fields of a deployment that change while it runs. A nil field leaves the stored value
/// as it is, so a step writes only what it learned.
public struct DeploymentUpdate: Sendable, Hashable {
    public var status: DeploymentStatus?
    /// The error code and message are set as given, nil clearing them: `hoist history import`
    /// puts how a deployment really ended over the FAILED_AFTER_RESTART that another
    /// coordinator guessed for the copy it found unfinished.
    public var replacesVerdict = false
    public var errorCode: DeploymentErrorCode?
    public var errorMessage: String?
    public var revisionSHA256: String?
    public var startTime: Date?
    public var endTime: Date?
    public var hostCount: Int?

    public init(
        status: DeploymentStatus? = nil, errorCode: DeploymentErrorCode? = nil, errorMessage: String? = nil,
        revisionSHA256: String? = nil, startTime: Date? = nil, endTime: Date? = nil, hostCount: Int? = nil,
        replacesVerdict: Bool = false
    ) {
        self.status = status
        self.replacesVerdict = replacesVerdict
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.revisionSHA256 = revisionSHA256
        self.startTime = startTime
        self.endTime = endTime
        self.hostCount = hostCount
    }
}

/// Which deployments `listDeployments` returns: every non-nil field must match. Newest first.
public struct DeploymentFilter: Sendable, Hashable {
    public var application: String?
    public var deploymentGroup: String?
    public var status: DeploymentStatus?
    /// Only the deployments that roll back or redeploy this one (their `rollbackOf`).
    public var rollbackOf: DeploymentID?
    /// At most this many, newest first; nil means all.
    public var limit: Int?

    public init(application: String? = nil, deploymentGroup: String? = nil, status: DeploymentStatus? = nil,
                rollbackOf: DeploymentID? = nil, limit: Int? = nil) {
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.status = status
        self.rollbackOf = rollbackOf
        self.limit = limit
    }
}
