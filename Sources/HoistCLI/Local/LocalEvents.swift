import Foundation
import HoistConfig
import HoistCore

/// The lifecycle events `hoist local` runs, chosen as `codedeploy-local` chooses them: all 11
/// hookable-or-agent events by default (the traffic hooks run although there is no load
/// balancer), or the `--events` list in its order with DownloadBundle and Install added in
/// front when missing and swapped when Install comes first.
enum LocalEvents {
    /// codedeploy-local's `DEFAULT_ORDERED_LIFECYCLE_EVENTS`.
    static let defaults: [LifecycleEvent] = [
        .beforeBlockTraffic, .afterBlockTraffic, .applicationStop, .downloadBundle, .beforeInstall, .install,
        .afterInstall, .applicationStart, .validateService, .beforeAllowTraffic, .afterAllowTraffic,
    ]
    /// Events whose scripts come from the last successful revision: the only ones allowed
    /// before DownloadBundle.
    static let allowedBeforeDownloadBundle: [LifecycleEvent] = [.beforeBlockTraffic, .afterBlockTraffic, .applicationStop]
    static let allowedBeforeInstall: [LifecycleEvent] = allowedBeforeDownloadBundle + [.downloadBundle, .beforeInstall]

    /// A problem with `--events`: the message to print (exit 2).
    struct Problem: Error, Equatable {
        var message: String
    }

    /// The events to run for `--events` (nil: the defaults).
    static func resolve(_ list: String?) -> Result<[LifecycleEvent], Problem> {
        guard let list else { return .success(defaults) }
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        var events: [LifecycleEvent] = []
        for name in names {
            guard let event = LifecycleEvent(rawValue: name), defaults.contains(event) else {
                return .failure(Problem(message: unknownEventMessage(name)))
            }
            if events.contains(event) {
                return .failure(Problem(message: "--events names \(name) twice; each event runs at most once"))
            }
            events.append(event)
        }
        if let problem = orderProblem(events, given: list) { return .failure(problem) }
        return .success(withBundleAndInstall(events))
    }

    /// codedeploy-local's order checks, with its messages.
    static func orderProblem(_ events: [LifecycleEvent], given: String) -> Problem? {
        if events.contains(.downloadBundle),
           events.prefix(while: { $0 != .downloadBundle }).contains(where: { !allowedBeforeDownloadBundle.contains($0) }) {
            return Problem(message: "The only events that can be specified before DownloadBundle are \(names(allowedBeforeDownloadBundle)). Please fix the order of your specified events: \(given)")
        }
        if events.contains(.install),
           events.prefix(while: { $0 != .install }).contains(where: { !allowedBeforeInstall.contains($0) }) {
            return Problem(message: "The only events that can be specified before Install are \(names(allowedBeforeInstall)). Please fix the order of your specified events: \(given)")
        }
        return nil
    }

    /// DownloadBundle and Install always run: missing ones go first, and Install never runs
    /// before DownloadBundle.
    static func withBundleAndInstall(_ events: [LifecycleEvent]) -> [LifecycleEvent] {
        var result = [LifecycleEvent.downloadBundle, .install].filter { !events.contains($0) } + events
        if let d = result.firstIndex(of: .downloadBundle), let i = result.firstIndex(of: .install), i < d {
            result.swapAt(d, i)
        }
        return result
    }

    private static func unknownEventMessage(_ name: String) -> String {
        if let event = LifecycleEvent(rawValue: name) {
            return "--events \(name): \(event.rawValue) needs a load balancer, which hoist local does not have; its hooks Before\(event.rawValue) and After\(event.rawValue) run without it"
        }
        let hint = DidYouMean.hint(for: name, among: defaults.map(\.rawValue)).map { "; \($0)" } ?? "."
        return "--events \(name.isEmpty ? "(empty name)" : name): not a lifecycle event\(hint) The events are \(names(defaults))"
    }

    private static func names(_ events: [LifecycleEvent]) -> String {
        events.map(\.rawValue).joined(separator: ",")
    }
}
