import Foundation
import HoistCore

/// Polls a deployment's alarm checks from its start to its end (bake times included), reports
/// each state change as an event, and stops the deployment when a check is in ALARM, the way
/// CodeDeploy stops on a CloudWatch alarm (Stopped, ALARM_ACTIVE).
///
/// As an observer it learns which hosts this deployment has deployed (succeeded), for the
/// checks that run once per host. Checks run on the coordinator, never on the hosts.
public final class AlarmMonitor: DeploymentObserver, @unchecked Sendable {
    private struct State {
        var board: AlarmBoard
        var deployed: [String] = []
        var loop: Task<Void, Never>?
        var finished = false
    }

    public let spec: AlarmsSpec
    private let hostsByName: [String: HostSpec]
    private let probe: any AlarmProbe
    private let observer: any DeploymentObserver
    private let stop: StopController
    private let state: Locked<State>

    public init(spec: AlarmsSpec, hosts: [HostSpec], probe: any AlarmProbe, observer: any DeploymentObserver, stop: StopController) {
        self.spec = spec
        self.hostsByName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.probe = probe
        self.observer = observer
        self.stop = stop
        state = Locked(State(board: AlarmBoard(checks: spec.checks.map(\.name), ignorePollAlarmFailure: spec.ignorePollAlarmFailure)))
    }

    /// Polls every check once (an alarm already firing stops the deployment before any host
    /// starts), then keeps polling every `interval` seconds until `finish()`.
    public func start() async {
        await pollOnce()
        let interval = spec.intervalSeconds
        let loop = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
                guard !Task.isCancelled, let self else { return }
                await self.pollOnce()
            }
        }
        state.withLock { $0.loop = loop }
    }

    /// Stops polling; waits for a poll under way to end.
    public func finish() async {
        let loop = state.withLock { s -> Task<Void, Never>? in
            s.finished = true
            return s.loop
        }
        loop?.cancel()
        await loop?.value
    }

    /// The checks' states now, in the playbook's order.
    public var states: [(String, AlarmState)] {
        state.withLock { s in s.board.checks.map { ($0, s.board.state(of: $0) ?? .insufficientData) } }
    }

    /// Evaluates every check once, concurrently, and applies the readings in check order.
    public func pollOnce() async {
        let deployed = state.withLock { s in s.deployed.compactMap { hostsByName[$0] } }
        let probe = self.probe
        let readings = await withTaskGroup(of: (Int, AlarmReading).self) { group in
            for (index, check) in spec.checks.enumerated() {
                group.addTask { (index, await probe.evaluate(check, hosts: deployed)) }
            }
            var all: [(Int, AlarmReading)] = []
            for await reading in group { all.append(reading) }
            return all.sorted { $0.0 < $1.0 }
        }
        let (changes, firing) = state.withLock { s -> ([AlarmChange], String?) in
            if s.finished { return ([], nil) }
            let changes = readings.compactMap { index, reading in s.board.record(spec.checks[index].name, reading, at: Date()) }
            return (changes, s.board.firingSentence)
        }
        for change in changes { observer.handle(.alarmChanged(change)) }
        if let firing, stop.level == .none {
            stop.request(.graceful, reason: firing, cause: .alarm(firing))
        }
    }

    public func handle(_ event: DeploymentEvent) {
        guard case .hostFinished(let host, let status, _, _, _) = event, status == .succeeded else { return }
        state.withLock { s in if !s.deployed.contains(host) { s.deployed.append(host) } }
    }
}
