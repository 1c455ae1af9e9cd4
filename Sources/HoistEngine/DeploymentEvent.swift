import Foundation
import HoistCore

/// What happens during a deployment, as the engine reports it. Library code never prints:
/// reporters (live terminal, plain lines, JSON lines) and the history store consume these.
public enum DeploymentEvent: Sendable {
    case deploymentStarted(DeploymentStart)
    case hostStarted(host: String, time: Date)
    case eventStarted(host: String, event: LifecycleEvent, time: Date, scriptsFrom: EventScripts?)
    case output(host: String, event: LifecycleEvent, line: OutputLine, time: Date)
    case eventFinished(host: String, event: LifecycleEvent, outcome: EventOutcome)
    case uploadProgress(host: String, bytesSent: Int64, totalBytes: Int64)
    case hostFinished(host: String, status: InstanceStatus, errorCode: LifecycleErrorCode?, message: String?, time: Date)
    case deploymentFinished(DeploymentVerdictSummary)
    /// Something a person must hear that is not a host's event: lock takeovers, a lost lock,
    /// a history write that failed, a rollback starting, hosts left out of service.
    case notice(DeploymentNotice)
    /// A deployment made of phases (blue/green) begins one: the hosts' events that follow
    /// belong to it.
    case phaseStarted(PhaseStart)
    /// An alarm check's state changed (its first reading included).
    case alarmChanged(AlarmChange)
}

/// Which revision an event's scripts come from (CodeDeploy §2.2): the one being deployed, or
/// an earlier one the host ran (ApplicationStop's are the last successful revision's).
public enum ScriptSource: Sendable, Hashable { case current, lastSuccessful, mostRecent }

/// Where an event's scripts are read from, as the engine chose them: reporters say when they
/// are an earlier revision's by `source`, not by what the folder's path looks like.
public struct EventScripts: Sendable, Hashable {
    public var source: ScriptSource
    /// The revision's folder on the host.
    public var folder: String
    public init(source: ScriptSource, folder: String) {
        self.source = source
        self.folder = folder
    }
    public var ofEarlierRevision: Bool { source != .current }
}

/// One phase of a blue/green deployment, e.g. `Install on green` or `Reroute 1/2`.
public struct PhaseStart: Sendable, Codable, Hashable {
    public var name: String
    /// What it will do, in a sentence, e.g. `allow h005, h006; then block h001, h002`.
    public var detail: String?
    public var hosts: [String]
    public var time: Date
    public init(name: String, detail: String? = nil, hosts: [String], time: Date = Date()) {
        self.name = name
        self.detail = detail
        self.hosts = hosts
        self.time = time
    }
}

/// The facts about a deployment known when it starts.
public struct DeploymentStart: Sendable, Codable {
    public var id: String
    public var application: String
    public var deploymentGroup: String
    public var revision: String
    public var revisionSHA256: String
    public var config: String
    public var hosts: [String]
    public var maxConcurrency: Int
    public var minimumHealthy: Int
    public var time: Date
    public init(id: String, application: String, deploymentGroup: String, revision: String, revisionSHA256: String,
                config: String, hosts: [String], maxConcurrency: Int, minimumHealthy: Int, time: Date) {
        self.id = id
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.revision = revision
        self.revisionSHA256 = revisionSHA256
        self.config = config
        self.hosts = hosts
        self.maxConcurrency = maxConcurrency
        self.minimumHealthy = minimumHealthy
        self.time = time
    }
}

/// How one lifecycle event ended on one host.
public struct EventOutcome: Sendable, Codable, Hashable {
    public var status: LifecycleEventStatus
    public var errorCode: LifecycleErrorCode?
    public var message: String?
    public var scriptName: String?
    public var start: Date
    public var end: Date
    /// Why it ended so, where a rule depends on it: set where the outcome is made, since its
    /// message is for people (and a hook's message could read like any of them).
    public var cause: Cause?
    public init(status: LifecycleEventStatus, errorCode: LifecycleErrorCode? = nil, message: String? = nil,
                scriptName: String? = nil, start: Date, end: Date, cause: Cause? = nil) {
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.scriptName = scriptName
        self.start = start
        self.end = end
        self.cause = cause
    }

    /// The reasons a rule tells outcomes apart by.
    public enum Cause: String, Sendable, Codable, Hashable {
        /// It succeeded without running a script (its message starts with `noScripts`).
        case noScripts
        /// A stop kept it from starting: Skipped.
        case stopped
    }
    public var durationSeconds: Double { end.timeIntervalSince(start) }

    /// What an event that succeeded without running a script says, first: the revision has
    /// none for it, or there is no earlier revision to run them from (a host's first
    /// deployment's ApplicationStop, a no-op that succeeds, as CodeDeploy's does).
    public static let noScripts = "no scripts"

    /// Succeeded without running a script: it stopped nothing and changed nothing.
    public var ranNoScripts: Bool { status == .succeeded && cause == .noScripts }

    /// Skipped because the deployment was stopped before it began.
    public var skippedByStop: Bool { status == .skipped && cause == .stopped }
}

/// How the whole deployment ended.
public struct DeploymentVerdictSummary: Sendable, Codable {
    public var id: String
    public var status: DeploymentStatus
    public var errorCode: DeploymentErrorCode?
    public var message: String?
    public var hostStatuses: [String: InstanceStatus]
    public var time: Date
    public init(id: String, status: DeploymentStatus, errorCode: DeploymentErrorCode?, message: String?,
                hostStatuses: [String: InstanceStatus], time: Date) {
        self.id = id
        self.status = status
        self.errorCode = errorCode
        self.message = message
        self.hostStatuses = hostStatuses
        self.time = time
    }
}

/// Receives deployment events. Called from many hosts' tasks at once: implementations must
/// be thread-safe and quick (buffer, don't block).
public protocol DeploymentObserver: Sendable {
    func handle(_ event: DeploymentEvent)
}

/// Sends each event to several observers in order.
public struct ObserverFanout: DeploymentObserver {
    public var observers: [any DeploymentObserver]
    public init(_ observers: [any DeploymentObserver]) { self.observers = observers }
    public func handle(_ event: DeploymentEvent) {
        for o in observers { o.handle(event) }
    }
}
