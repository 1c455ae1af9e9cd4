import Foundation
import HoistEngine

/// Signals during a deployment. Ctrl-C and SIGTERM become stop requests: the first lets
/// running hooks finish and starts nothing new, the second kills running hooks. SIGHUP (a
/// closed terminal, a dropped SSH connection to the machine running Hoist) is ignored: the
/// deployment carries on to its verdict, output to the dead terminal is dropped (`Console`),
/// and the history keeps everything. SIGPIPE is ignored for the whole process
/// (`runCommandLine`).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(stop: StopController, console: Console = .shared) {
        signal(SIGHUP, SIG_IGN)
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                let before = stop.level
                stop.request(reason: sig == SIGINT ? "interrupted (Ctrl-C)" : "terminated (SIGTERM)")
                if before == .none {
                    console.err("hoist: stopping: no new hosts or lifecycle events will start; running hooks finish. Press Ctrl-C again to kill them.")
                } else if before == .graceful {
                    console.err("hoist: stopping now: killing running hooks.")
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
