import HoistCore

/// A deployment with its host tallies: one row of `hoist list`. In JSON its fields sit
/// beside the deployment's own, so `jq '.[].id'` works.
public struct DeploymentSummary: Sendable, Hashable, Encodable {
    public var deployment: DeploymentRecord
    public var hostsSucceeded: Int
    public var hostsFailed: Int

    public init(deployment: DeploymentRecord, hosts: [HostRecord]) {
        self.deployment = deployment
        self.hostsSucceeded = hosts.count { $0.status == .succeeded }
        self.hostsFailed = hosts.count { $0.status == .failed }
    }

    private enum CodingKeys: String, CodingKey { case hostsSucceeded, hostsFailed }

    public func encode(to encoder: any Encoder) throws {
        try deployment.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hostsSucceeded, forKey: .hostsSucceeded)
        try container.encode(hostsFailed, forKey: .hostsFailed)
    }
}

/// Everything `hoist show` prints: the deployment, each host with its events, and the
/// trigger deliveries.
public struct DeploymentDetail: Sendable, Hashable, Encodable {
    public var deployment: DeploymentRecord
    public var hosts: [HostDetail]
    public var deliveries: [DeliveryRecord]

    /// Groups `events` under their hosts, keeping the order of both.
    public init(deployment: DeploymentRecord, hosts: [HostRecord], events: [EventRecord], deliveries: [DeliveryRecord] = []) {
        self.deployment = deployment
        let byHost = Dictionary(grouping: events, by: \.host)
        self.hosts = hosts.map { HostDetail(host: $0, events: byHost[$0.host] ?? []) }
        self.deliveries = deliveries
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

    /// A deployment with its hosts and events, or nil when the id is unknown.
    public func detail(_ id: DeploymentID) throws -> DeploymentDetail? {
        guard let deployment = try deployment(id) else { return nil }
        return DeploymentDetail(deployment: deployment, hosts: try hosts(of: id), events: try events(of: id, host: nil),
                                deliveries: try deliveries(of: id))
    }
}
