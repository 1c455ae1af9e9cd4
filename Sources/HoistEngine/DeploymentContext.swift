import Foundation
import HoistCore
import HoistPlanning

/// The hooks of a revision, by event.
public typealias HookTable = [LifecycleEvent: [HookScript]]

/// A revision ready to deploy: the file to upload, its digest, its hooks, and how to render
/// its Install program for a host.
public struct DeployableRevision: Sendable {
    /// What a person calls it (the path they gave).
    public var displayName: String
    /// The canonical tar uploaded to hosts (`CanonicalBundle`), whatever the revision was.
    public var bundlePath: String
    public var sha256: String
    public var sizeBytes: Int64
    /// What the revision takes once unpacked on a host, block by block
    /// (`HostSpaceNeed.diskBytes(of:)`), for the free-space check before ApplicationStop.
    public var unpackedBytes: Int64
    public var hooks: HookTable
    /// The file_exists_behavior in force (the AppSpec's own wins), as history records it.
    public var fileExistsBehavior: FileExistsBehavior
    /// Renders the Install program given the unpacked revision root on the host and the
    /// group's cleanup file.
    public var renderInstall: @Sendable (_ revisionRoot: String, _ cleanupFile: String) -> String
    /// The git commit of the revision folder's work tree, for `hoist list` (nil: none).
    public var commit: String?
    /// A delta that rebuilds this bundle from the bundle with the given digest, which a host
    /// holds (`BundleDelta`); nil when there is none worth sending. The CLI's takes the base
    /// from the coordinator's bundle cache, else reads it from the host (`HeldBundleSource`).
    public var delta: @Sendable (_ baseSHA256: String, _ source: HeldBundleSource) async -> BundleDelta? = { _, _ in nil }

    public init(displayName: String, bundlePath: String, sha256: String, sizeBytes: Int64, unpackedBytes: Int64 = 0,
                hooks: HookTable, fileExistsBehavior: FileExistsBehavior = .disallow,
                commit: String? = nil, renderInstall: @escaping @Sendable (String, String) -> String) {
        self.commit = commit
        self.fileExistsBehavior = fileExistsBehavior
        self.displayName = displayName
        self.bundlePath = bundlePath
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.unpackedBytes = unpackedBytes
        self.hooks = hooks
        self.renderInstall = renderInstall
    }
}

extension DeployableRevision {
    /// The revision of a deployment that only moves traffic back (`--blue-green-rollback`):
    /// none is read or installed, and the deployment is recorded as what the fleet it returns
    /// to runs (`DeploymentRequest.rerouting`).
    public static let rerouteOnly = DeployableRevision(
        displayName: "the revision the fleet already runs", bundlePath: "", sha256: "", sizeBytes: 0, hooks: [:],
        renderInstall: { _, _ in "echo 'hoist: moving traffic back installs nothing' >&2; exit 1" })
}

/// Takes hosts out of, and puts them back into, load-balancer rotation. The load-balancer
/// adapters implement it; nil means the deployment has no traffic control.
public protocol TrafficControl: Sendable {
    /// Deregister the host from every balancer, waiting for its connections to drain;
    /// returns what the drains that ran out left open (empty when none did).
    func block(_ host: HostSpec) async throws -> [DrainCutShort]
    /// Register the host and wait until every balancer's health check reports it up.
    func allow(_ host: HostSpec) async throws
    /// Whether the host answers every balancer's health check, without putting it in
    /// rotation: nil when it does, else what failed.
    func healthProblem(_ host: HostSpec) async -> String?
    /// Whether every balancer answers, asked before the deployment touches any host: nil
    /// when they do, else what failed.
    func unreachable(_ host: HostSpec) async -> String?
    /// Puts a host back in rotation at once, without waiting for health: its BlockTraffic was
    /// stopped mid-drain and its app never stopped. Nil when done, else what failed.
    func putBack(_ host: HostSpec) async -> String?
}

extension TrafficControl {
    /// Traffic control that cannot check health lets every host through.
    public func healthProblem(_ host: HostSpec) async -> String? { nil }
    public func unreachable(_ host: HostSpec) async -> String? { nil }
    public func putBack(_ host: HostSpec) async -> String? { nil }
}

/// Everything about one deployment that is the same on every host.
public struct DeploymentContext: Sendable {
    public var id: String
    public var application: String
    public var deploymentGroup: String
    public var groupID: String
    public var creator: DeploymentCreator
    public var createdBy: String
    public var revision: DeployableRevision
    public var events: [LifecycleEvent]
    public var ignoreApplicationStopFailures: Bool
    public var maxRevisions: Int
    public var killGraceSeconds: Int
    public var traffic: (any TrafficControl)?
    /// Parses an AppSpec found on a host (the last successful revision's) into its hooks;
    /// returns nil with a reason when it cannot.
    public var parseHooks: @Sendable (_ text: String, _ fileName: String) -> Result<HookTable, HookParseFailure>
    /// For blue/green rollbacks, the traffic hooks come from other revisions (§2.2).
    public var isBlueGreenRollback: Bool

    public init(id: String, application: String, deploymentGroup: String, groupID: String? = nil,
                creator: DeploymentCreator = .user, createdBy: String, revision: DeployableRevision,
                events: [LifecycleEvent] = LifecycleEvent.inPlace, ignoreApplicationStopFailures: Bool = false,
                maxRevisions: Int = 5, killGraceSeconds: Int = 5, traffic: (any TrafficControl)? = nil,
                isBlueGreenRollback: Bool = false,
                parseHooks: @escaping @Sendable (String, String) -> Result<HookTable, HookParseFailure>) {
        self.id = id
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.groupID = groupID ?? HostLayout.groupID(application: application, group: deploymentGroup)
        self.creator = creator
        self.createdBy = createdBy
        self.revision = revision
        self.events = events
        self.ignoreApplicationStopFailures = ignoreApplicationStopFailures
        self.maxRevisions = maxRevisions
        self.killGraceSeconds = killGraceSeconds
        self.traffic = traffic
        self.isBlueGreenRollback = isBlueGreenRollback
        self.parseHooks = parseHooks
    }
}

/// Why an AppSpec on a host could not be read.
public struct HookParseFailure: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
