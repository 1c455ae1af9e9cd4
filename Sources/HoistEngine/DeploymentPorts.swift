import Foundation
import HoistCore

/// What the `Deployment` coordinator reaches the world through. The CLI wires the real
/// adapters (SSH, SQLite or PostgreSQL history, the load-balancer drivers, the bundle cache);
/// engine tests wire temporary-folder hosts and in-memory fakes.
public struct DeploymentPorts: Sendable {
    /// Opens sessions to hosts. The coordinator pools them: one session per host for the
    /// deployment, one for the lock (whose heartbeat runs while hooks do).
    public var connector: any HostConnector
    /// The deployment history: each deployment's record, hosts, events and output.
    public var history: any HistoryStore
    /// Takes hosts out of and into load-balancer rotation; nil without load balancers.
    public var traffic: (any TrafficControl)?
    /// Finds the revision of an earlier deployment, for an automatic rollback.
    public var bundles: any BundleSource
    /// Waits: the blue/green ready wait, the termination wait.
    public var clock: any PollingClock
    /// Tells a waiting blue/green deployment to move traffic (`hoist continue`).
    public var continueSignals: any ContinueSignals
    /// The observer of each deployment the coordinator runs (the deployment, then its
    /// automatic rollback, each with its own ID): reporters, and later alarms or triggers.
    public var observer: @Sendable (_ deploymentID: String) -> any DeploymentObserver
    /// The playbook's triggers and alarm checks, started for each deployment (an automatic
    /// rollback gets the triggers, not the alarms).
    public var signals: DeploymentSignals

    public init(connector: any HostConnector, history: any HistoryStore, traffic: (any TrafficControl)?,
                bundles: any BundleSource, clock: any PollingClock = SystemPollingClock(),
                continueSignals: any ContinueSignals, signals: DeploymentSignals = .none,
                observer: @escaping @Sendable (String) -> any DeploymentObserver) {
        self.connector = connector
        self.history = history
        self.traffic = traffic
        self.bundles = bundles
        self.clock = clock
        self.continueSignals = continueSignals
        self.observer = observer
        self.signals = signals
    }
}

/// Where revisions of earlier deployments come from (the CLI's bundle cache, by digest).
public protocol BundleSource: Sendable {
    /// The revision `record` deployed, ready to deploy again; throws when it is gone or its
    /// digest no longer matches.
    func revision(of record: DeploymentRecord) async throws -> DeployableRevision
}

/// `hoist continue ID`: whether someone has told a waiting deployment to go on. Consumes
/// the signal when it answers true.
public protocol ContinueSignals: Sendable {
    func take(_ deploymentID: String) -> Bool
}

/// How the coordinator takes and keeps the group's lock.
public struct LockSettings: Sendable {
    public var user: String
    public var machine: String
    public var pid: Int32
    /// The command line, recorded in the lock for `hoist lock status`.
    public var command: String
    public var leaseSeconds: Int
    /// How often the heartbeat refreshes the lock (and picks up `hoist stop`).
    public var heartbeat: Duration
    /// Wait this long for another deployment's lock (nil: fail at once).
    public var wait: Duration?

    public init(user: String, machine: String, pid: Int32, command: String, leaseSeconds: Int = LockOwner.defaultLeaseSeconds,
                heartbeat: Duration = .seconds(5), wait: Duration? = nil) {
        self.user = user
        self.machine = machine
        self.pid = pid
        self.command = command
        self.leaseSeconds = leaseSeconds
        self.heartbeat = heartbeat
        self.wait = wait
    }
}
