import Foundation
import HoistCore

/// One thing a trigger may be told: the event and the facts at that moment.
public struct TriggerNotice: Sendable, Hashable {
    public var event: TriggerEventType
    public var time: Date
    public var deployment: DeploymentFacts
    /// For instance events.
    public var instance: InstanceFacts?
}

/// Turns the engine's deployment events into CodeDeploy's trigger events. Pure state, fed
/// one event at a time, so its output is tested without a network.
///
/// - deployment started → DeploymentStart (status CREATED);
/// - a host's first start → InstanceStart; a host ending Succeeded or Failed → InstanceSuccess
///   or InstanceFailure (once per status: blue/green phases end a host more than once);
/// - blue/green waiting for `hoist continue` → DeploymentReady, and InstanceReady for each
///   host installed;
/// - the verdict → DeploymentSuccess, DeploymentFailure or DeploymentStop;
/// - an automatic rollback about to start → DeploymentRollback, with the verdict's facts.
///
/// Notices carry no time: `now` stamps them (tests pass a fixed clock).
public struct TriggerTracker: Sendable {
    public let deploymentID: String
    public let application: String
    public let deploymentGroup: String
    private var createTime: Date?
    private var hostOrder: [String] = []
    private var hostStatus: [String: InstanceStatus] = [:]
    private var reported: [String: InstanceStatus] = [:]
    private var events: [String: [LifecycleEventFacts]] = [:]
    private var lastFinal: DeploymentFacts?
    private let now: @Sendable () -> Date

    public init(deploymentID: String, application: String, deploymentGroup: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.deploymentID = deploymentID
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.now = now
    }

    public mutating func consume(_ event: DeploymentEvent) -> [TriggerNotice] {
        switch event {
        case .deploymentStarted(let start):
            createTime = createTime ?? start.time
            for host in start.hosts where hostStatus[host] == nil { track(host, .pending) }
            return [notice(.deploymentStart, start.time, status: "CREATED")]
        case .hostStarted(let host, let time):
            if hostStatus[host] == nil { hostOrder.append(host) }
            let first = reported[host] == nil
            hostStatus[host] = .inProgress
            guard first else { return [] }
            reported[host] = .inProgress
            return [instanceNotice(.instanceStart, host, time)]
        case .eventStarted(let host, let lifecycle, let time, _):
            upsert(host, LifecycleEventFacts(event: lifecycle, status: .inProgress, start: time, end: nil))
            return []
        case .eventFinished(let host, let lifecycle, let outcome):
            upsert(host, LifecycleEventFacts(event: lifecycle, status: outcome.status, start: outcome.start, end: outcome.end))
            return []
        case .hostFinished(let host, let status, _, _, let time):
            if hostStatus[host] == nil { hostOrder.append(host) }
            hostStatus[host] = status
            let kind: TriggerEventType
            switch status {
            case .succeeded: kind = .instanceSuccess
            case .failed: kind = .instanceFailure
            default: return []
            }
            guard reported[host] != status else { return [] }
            reported[host] = status
            return [instanceNotice(kind, host, time)]
        case .deploymentFinished(let verdict):
            for (host, status) in verdict.hostStatuses {
                if hostStatus[host] == nil { hostOrder.append(host) }
                hostStatus[host] = status
            }
            let kind: TriggerEventType
            switch verdict.status {
            case .succeeded: kind = .deploymentSuccess
            case .stopped: kind = .deploymentStop
            default: kind = .deploymentFailure
            }
            var facts = facts(status: Self.word(verdict.status))
            facts.completeTime = verdict.time
            facts.errorCode = verdict.errorCode?.rawValue
            facts.errorMessage = verdict.errorCode == nil ? nil : verdict.message
            lastFinal = facts
            return [TriggerNotice(event: kind, time: verdict.time, deployment: facts, instance: nil)]
        case .notice(.waitingForContinue):
            let time = now()
            let ready = hostOrder.filter { hostStatus[$0] == .succeeded }
            var notices = [notice(.deploymentReady, time, status: "READY")]
            for host in ready {
                var instance = instanceFacts(host, time)
                instance.status = .ready
                notices.append(TriggerNotice(event: .instanceReady, time: time, deployment: facts(status: "READY"), instance: instance))
            }
            return notices
        case .notice(.rollbackStarting):
            return [TriggerNotice(event: .deploymentRollback, time: now(), deployment: lastFinal ?? facts(status: "FAILED"), instance: nil)]
        case .output, .uploadProgress, .alarmChanged, .phaseStarted, .notice:
            return []
        }
    }

    static func word(_ status: DeploymentStatus) -> String {
        switch status {
        case .inProgress: return "IN_PROGRESS"
        default: return status.rawValue.uppercased()
        }
    }

    private mutating func track(_ host: String, _ status: InstanceStatus) {
        hostOrder.append(host)
        hostStatus[host] = status
    }

    private mutating func upsert(_ host: String, _ facts: LifecycleEventFacts) {
        var list = events[host] ?? []
        if let index = list.firstIndex(where: { $0.event == facts.event }) { list[index] = facts } else { list.append(facts) }
        events[host] = list
    }

    private func facts(status: String) -> DeploymentFacts {
        var overview: [InstanceStatus: Int] = [:]
        for host in hostOrder { overview[hostStatus[host] ?? .pending, default: 0] += 1 }
        return DeploymentFacts(deploymentID: deploymentID, application: application, deploymentGroup: deploymentGroup,
                               createTime: createTime ?? Date(), status: status, overview: overview)
    }

    private func notice(_ kind: TriggerEventType, _ time: Date, status: String) -> TriggerNotice {
        TriggerNotice(event: kind, time: time, deployment: facts(status: status), instance: nil)
    }

    private func instanceFacts(_ host: String, _ time: Date) -> InstanceFacts {
        InstanceFacts(deploymentID: deploymentID, host: host, lastUpdatedAt: time, status: hostStatus[host] ?? .pending,
                      events: events[host] ?? [])
    }

    private func instanceNotice(_ kind: TriggerEventType, _ host: String, _ time: Date) -> TriggerNotice {
        TriggerNotice(event: kind, time: time, deployment: facts(status: "IN_PROGRESS"), instance: instanceFacts(host, time))
    }
}
