import HoistCore
import HoistPlanning

/// A host a deployment left in a state a person must act on: out of the load balancers
/// (BlockTraffic ran, AllowTraffic did not) or with its application stopped (ApplicationStop
/// ran, ApplicationStart did not succeed).
public struct HostAttention: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var outOfService: Bool
    public var appStopped: Bool

    public var description: String {
        "\(host): " + [outOfService ? "out of service (blocked in the load balancers)" : nil,
                       appStopped ? "application stopped" : nil].compactMap { $0 }.joined(separator: ", ")
    }

    /// The hosts that need attention, by name, from each host's events in `runs` in the
    /// order they ran: a deployment's, then its automatic rollback's. The last event that
    /// moved a host's traffic or its application decides (a rollback's AllowTraffic puts
    /// back a host its deployment blocked).
    public static func find(_ runs: [String: [(LifecycleEvent, EventOutcome)]]...) -> [HostAttention] {
        let hosts = Set(runs.flatMap(\.keys)).sorted()
        return hosts.compactMap { host in
            var blocked = false, stopped = false
            for (event, outcome) in runs.flatMap({ $0[host] ?? [] }) where outcome.status == .succeeded {
                switch event {
                case .blockTraffic: blocked = true
                case .allowTraffic: blocked = false
                case .applicationStop where !outcome.ranNoScripts: stopped = true
                case .applicationStart: stopped = false
                default: break
                }
            }
            return blocked || stopped ? HostAttention(host: host, outOfService: blocked, appStopped: stopped) : nil
        }
    }

    /// The hosts `report` leaves needing attention, after its automatic rollback if any. A
    /// blue/green deployment takes a fleet out of service by design: the original one when it
    /// succeeded (its application stopped too, with TERMINATE), and the one it installed when
    /// it ended before traffic moved there or its rollback moved traffic back. Those were
    /// listed as "left out of service", with advice to move traffic back that had not moved.
    static func after(_ report: DeploymentReport, blueGreen: Bool) -> [HostAttention] {
        var attention = find(report.events, report.rollback?.events ?? [:])
        guard blueGreen else { return attention }
        if report.verdict.status == .succeeded { return [] }
        let installed = Set(report.hosts.values.filter { $0.events.contains { [.downloadBundle, .install].contains($0.0) } }.map(\.host))
        let trafficMoved = installed.contains { report.hosts[$0]?.succeeded(.allowTraffic) == true }
        if !trafficMoved || report.rollback?.status == .succeeded {
            attention.removeAll { installed.contains($0.host) }
        }
        return attention
    }
}
