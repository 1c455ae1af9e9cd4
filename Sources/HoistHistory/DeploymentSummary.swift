import HoistCore

/// A deployment with its host tallies: one row of `hoist list`. In JSON its fields sit
/// beside the deployment's own, so `jq '.[].id'` works.
public struct DeploymentSummary: Sendable, Hashable, Encodable {
    public var deployment: DeploymentRecord
    public var hostsSucceeded: Int
    public var hostsFailed: Int
    /// Why nobody runs it any more though the history still calls it running (its
    /// coordinator is proven gone: `AbandonedDeployment`, told by the caller); nil otherwise.
    public var abandoned: String?

    public init(deployment: DeploymentRecord, hosts: [HostRecord]) {
        self.deployment = deployment
        self.hostsSucceeded = hosts.count { $0.status == .succeeded }
        self.hostsFailed = hosts.count { $0.status == .failed }
    }

    private enum CodingKeys: String, CodingKey { case hostsSucceeded, hostsFailed, abandoned }

    public func encode(to encoder: any Encoder) throws {
        try deployment.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hostsSucceeded, forKey: .hostsSucceeded)
        try container.encode(hostsFailed, forKey: .hostsFailed)
        try container.encodeIfPresent(abandoned, forKey: .abandoned)
    }
}

/// Everything `hoist show` prints: the deployment, each host with its events, the trigger
/// deliveries, and for a deployment run in phases (blue/green) each phase with the events
/// that ran in it; the output tail of each failed event. In JSON, `phases` and
/// `failedHookOutput` are left out when there are none.
public struct DeploymentDetail: Sendable, Hashable, Encodable {
    public var deployment: DeploymentRecord
    public var hosts: [HostDetail]
    /// The last 4 KB of output of each failed event that printed anything.
    public var failedHookOutput: [FailedHookOutput] = []
    public var deliveries: [DeliveryRecord]
    public var phases: [PhaseDetail]
    /// As `DeploymentSummary.abandoned`.
    public var abandoned: String?
    /// The deployments that rolled this one back or redeployed it, oldest first: CodeDeploy's
    /// `rollbackInfo` on the failed deployment, which only the rollback pointed at before.
    public var followUps: [FollowUp] = []

    /// A later deployment of this one's revision or of the one before it.
    public struct FollowUp: Sendable, Hashable, Encodable {
        public var id: String
        public var creator: DeploymentCreator
        public var status: DeploymentStatus

        public init(_ record: DeploymentRecord) {
            id = record.id.rawValue
            creator = record.creator
            status = record.status
        }
    }

    /// Groups `events` under their hosts, keeping the order of both, and under the phase
    /// during which each started.
    public init(deployment: DeploymentRecord, hosts: [HostRecord], events: [EventRecord], deliveries: [DeliveryRecord] = [],
                phases: [PhaseRecord] = []) {
        self.deployment = deployment
        let byHost = Dictionary(grouping: events, by: \.host)
        self.hosts = hosts.map { HostDetail(host: $0, events: byHost[$0.host] ?? []) }
        self.deliveries = deliveries
        self.phases = phases.map { phase in
            let order = Dictionary(phase.hosts.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            let mine = events.enumerated()
                .filter { order[$0.element.host] != nil && phase.contains($0.element.startTime) }
                .sorted { (order[$0.element.host]!, $0.offset) < (order[$1.element.host]!, $1.offset) }
                .map(\.element)
            return PhaseDetail(phase: phase, events: mine)
        }
    }

    private enum CodingKeys: String, CodingKey { case deployment, hosts, failedHookOutput, deliveries, phases, abandoned, followUps }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(deployment, forKey: .deployment)
        try container.encode(hosts, forKey: .hosts)
        if !failedHookOutput.isEmpty { try container.encode(failedHookOutput, forKey: .failedHookOutput) }
        try container.encode(deliveries, forKey: .deliveries)
        if !phases.isEmpty { try container.encode(phases, forKey: .phases) }
        try container.encodeIfPresent(abandoned, forKey: .abandoned)
        if !followUps.isEmpty { try container.encode(followUps, forKey: .followUps) }
    }
}

/// One phase of `hoist show`: in JSON, the phase's fields plus its `events`, host by host in
/// the phase's host order, each host's in the order they ran.
public struct PhaseDetail: Sendable, Hashable, Encodable {
    public var phase: PhaseRecord
    public var events: [EventRecord]

    private enum CodingKeys: String, CodingKey { case events }

    public func encode(to encoder: any Encoder) throws {
        try phase.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
    }
}

/// One host of `hoist show`; in JSON, the host's fields plus its `events`.
public struct HostDetail: Sendable, Hashable, Encodable {
    public var host: HostRecord
    public var events: [EventRecord]

    private enum CodingKeys: String, CodingKey { case events }

    public func encode(to encoder: any Encoder) throws {
        try host.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(events, forKey: .events)
    }
}

extension HistoryStore {
    /// `listDeployments` with each deployment's host tallies.
    public func summaries(_ filter: DeploymentFilter) throws -> [DeploymentSummary] {
        try listDeployments(filter).map { DeploymentSummary(deployment: $0, hosts: try hosts(of: $0.id)) }
    }

    /// A deployment with its hosts and events, or nil when the id is unknown. `commands`
    /// name this history in the `hoist logs` command given with each failed event's output.
    public func detail(_ id: DeploymentID, commands: SuggestedCommands = SuggestedCommands()) throws -> DeploymentDetail? {
        guard let deployment = try deployment(id) else { return nil }
        let events = try events(of: id, host: nil)
        var detail = DeploymentDetail(deployment: deployment, hosts: try hosts(of: id), events: events,
                                      deliveries: try deliveries(of: id), phases: try phases(of: id))
        detail.followUps = try listDeployments(DeploymentFilter(rollbackOf: id)).reversed().map(DeploymentDetail.FollowUp.init)
        for event in events where event.status == .failed {
            let tail = try outputTail(of: id, host: event.host, event: event.event)
            if !tail.isEmpty {
                detail.failedHookOutput.append(FailedHookOutput(
                    deploymentID: id.rawValue, host: event.host, event: event.event, tail: tail, commands: commands))
            }
        }
        return detail
    }

    /// The last 4 KB of one event's output on one host, read page by page.
    public func outputTail(of id: DeploymentID, host: String, event: LifecycleEvent) throws -> LogTail {
        var tail = LogTail()
        var after: Int64 = 0
        while true {
            let page = try output(of: id, host: host, event: event, afterSeq: after, limit: 2000)
            for line in page { tail.append(line.stream, line.text) }
            guard page.count == 2000, let last = page.last else { return tail }
            after = last.seq
        }
    }
}
