import Foundation
import HoistCore

/// A deployment's triggers and alarms, wired the same way for every kind of run (in-place,
/// blue/green, rollbacks, `hoist local`): the coordinator starts them before the first host,
/// adds `observer` to the deployment's observers, and ends them after the verdict.
///
/// Alarms are polled from `start` (a check already in ALARM stops the deployment before any
/// host starts) until the deployment's verdict; triggers are told every event until `drain`.
public struct DeploymentSignals: Sendable {
    public var triggers: [TriggerSpec]
    /// nil: no checks (automatic rollbacks are not watched: an alarm still firing must not stop
    /// the deployment that restores the last good revision).
    public var alarms: AlarmsSpec?
    public var transport: any TriggerTransport
    public var probe: any AlarmProbe
    public var retry: RetryPolicy

    public init(triggers: [TriggerSpec], alarms: AlarmsSpec?, transport: any TriggerTransport, probe: any AlarmProbe,
                retry: RetryPolicy = .standard) {
        self.triggers = triggers
        self.alarms = alarms
        self.transport = transport
        self.probe = probe
        self.retry = retry
    }

    /// No triggers, no alarms.
    public static let none = DeploymentSignals(triggers: [], alarms: nil, transport: Silent(), probe: Silent())

    /// Starts the triggers and the alarm checks of one deployment. `reporter` receives the
    /// checks' state changes; `record` each delivery's outcome. Without `watched` (an
    /// automatic rollback) the alarms are not polled. A rollback's triggers deliver `after`
    /// the failed deployment's.
    public func start(id: DeploymentID, application: String, deploymentGroup: String, hosts: [HostSpec], watched: Bool = true,
                      after: ActiveSignals? = nil, reporter: any DeploymentObserver, stop: StopController,
                      record: @escaping @Sendable (DeliveryRecord) -> Void) async -> ActiveSignals {
        let dispatcher = TriggerDispatcher(deploymentID: id, application: application, deploymentGroup: deploymentGroup,
                                           triggers: triggers, transport: transport, policy: retry, after: after?.dispatcher,
                                           record: record)
        var monitor: AlarmMonitor?
        if watched, let alarms, !alarms.checks.isEmpty {
            monitor = AlarmMonitor(spec: alarms, hosts: hosts, probe: probe, observer: ObserverFanout([reporter, dispatcher]), stop: stop)
        }
        let active = ActiveSignals(dispatcher: dispatcher, monitor: monitor)
        await monitor?.start()
        return active
    }
}

/// What `DeploymentSignals.none` delivers and evaluates with: nothing is ever asked of it.
struct Silent: TriggerTransport, AlarmProbe {
    func deliver(_ request: TriggerRequest) async throws {}
    func evaluate(_ check: AlarmCheckSpec, hosts: [HostSpec]) async -> AlarmReading { .ok("") }
}

/// The triggers and alarms of one running deployment.
public struct ActiveSignals: DeploymentObserver {
    let dispatcher: TriggerDispatcher
    let monitor: AlarmMonitor?

    /// Events to hand to the triggers and the alarm monitor (which stops polling at the
    /// verdict).
    public func handle(_ event: DeploymentEvent) {
        dispatcher.handle(event)
        monitor?.handle(event)
        if case .deploymentFinished = event, let monitor {
            Task { await monitor.finish() }
        }
    }

    /// Stops polling the alarm checks (the verdict is in).
    public func stopMonitoring() async { await monitor?.finish() }

    /// The triggers take no more events (an automatic rollback starts, whose triggers
    /// deliver after these).
    public func closeTriggers() { dispatcher.close() }

    /// After the deployment (and its rollback): waits for outstanding deliveries, each trigger
    /// at most its timeout.
    public func drain() async {
        await stopMonitoring()
        await dispatcher.drain()
    }
}
