import Foundation

/// Waits for a condition by looking again every 50 ms, up to a generous bound; returns
/// whether it became true. Tests synchronise on conditions, never on sleeps.
public func eventually(within seconds: Double = 300, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try await condition() { return true }
        if Date() > deadline { return false }
        try? await Task.sleep(for: .milliseconds(50))
    }
}
