import Foundation
import HoistEngine

/// Signals during a deployment. Ctrl-C and SIGTERM become stop requests: the first lets
/// running hooks (and a host's upload in its turn) finish and starts nothing new, the second
/// kills running hooks, unpacking and Install, and stops uploads. SIGHUP (a
/// closed terminal, a dropped SSH connection to the machine running Hoist) is ignored: the
/// deployment carries on to its verdict, output to the dead terminal is dropped (`Console`),
/// and the history keeps everything. SIGPIPE is ignored for the whole process
/// (`runCommandLine`).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    /// `say` shows the acknowledgement where it stays visible (`DeploymentOutput.say`).
    init(stop: StopController, say: @escaping @Sendable (String) -> Void = { Console.shared.err($0) }) {
        signal(SIGHUP, SIG_IGN)
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let before = stop.level
                stop.request(reason: sig == SIGINT ? "interrupted (Ctrl-C)" : "terminated (SIGTERM)")
                if before == .none {
                    let again = sig == SIGINT ? "Press Ctrl-C again" : "Send SIGTERM again (or press Ctrl-C)"
                    say("hoist: stopping: no new hosts or lifecycle events will start; running hooks and uploads finish. \(again) to stop them.")
                } else if before == .graceful {
                    say("hoist: stopping now: killing running hooks, unpacking and Install, and stopping uploads.")
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
