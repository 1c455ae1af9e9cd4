import Foundation
import HoistEngine

/// Turns Ctrl-C and SIGTERM into stop requests: the first lets running hooks finish and
/// starts nothing new, the second kills running hooks.
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    /// `say` shows the acknowledgement where it stays visible (`DeploymentOutput.say`).
    init(stop: StopController, say: @escaping @Sendable (String) -> Void = { Console.shared.err($0) }) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let before = stop.level
                stop.request(reason: sig == SIGINT ? "interrupted (Ctrl-C)" : "terminated (SIGTERM)")
                if before == .none {
                    say("hoist: stopping: no new hosts or lifecycle events will start; running hooks finish. Press Ctrl-C again to kill them.")
                } else if before == .graceful {
                    say("hoist: stopping now: killing running hooks.")
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
