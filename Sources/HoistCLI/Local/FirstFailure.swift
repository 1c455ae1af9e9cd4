import HoistCore
import HoistEngine

/// Remembers the first lifecycle event that failed, so `hoist local` can name the failing
/// script after the run.
final class FirstFailure: DeploymentObserver, Sendable {
    struct Failure: Sendable {
        var event: LifecycleEvent
        var outcome: EventOutcome
    }
    private let first = Locked<Failure?>(nil)

    var failure: Failure? { first.current }

    func handle(_ event: DeploymentEvent) {
        guard case .eventFinished(_, let lifecycle, let outcome) = event, outcome.status == .failed else { return }
        first.withLock { if $0 == nil { $0 = Failure(event: lifecycle, outcome: outcome) } }
    }
}
