import Foundation
import HoistCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO

/// `LISTEN hoist_history` on a connection of its own, opened at the first wait: wakes a
/// `logs --follow` when a write names its deployment. A notification that comes while
/// nobody waits is remembered, so the next wait returns at once (the follower reads again;
/// nothing written between its read and its wait is left for the limit). A lost listening
/// connection is opened again at the next wait; until then waits last their limit.
final class PostgresListener: Sendable {
    private struct State {
        var connection: PostgresConnection?
        var waiters: [UUID: (id: String, wake: @Sendable () -> Void)] = [:]
        /// Deployments named by a notification since their last wait.
        var unseen: Set<String> = []
    }
    private let link: PostgresLink
    private let state = NIOLockedValueBox(State())

    init(link: PostgresLink) { self.link = link }

    func wait(for id: String, limit: Duration) async {
        await listen()
        let token = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = NIOLockedValueBox(false)
            let wake: @Sendable () -> Void = {
                if once.withLockedValue({ done in defer { done = true }; return !done }) { continuation.resume() }
            }
            let already = state.withLockedValue { state -> Bool in
                if state.unseen.remove(id) != nil { return true }
                state.waiters[token] = (id, wake)
                return false
            }
            if already { return wake() }
            // The limit is a safety net for a notification lost with its connection.
            MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .nanoseconds(Int64(limit.seconds * 1e9))) { wake() }
        }
        state.withLockedValue { _ = $0.waiters.removeValue(forKey: token) }
    }

    private func notified(_ id: String) {
        let wakes = state.withLockedValue { state -> [@Sendable () -> Void] in
            let matching = state.waiters.values.filter { $0.id == id }.map(\.wake)
            if matching.isEmpty { state.unseen.insert(id) }
            return matching
        }
        for wake in wakes { wake() }
    }

    /// Starts listening unless already listening; a server out of reach leaves it for the next wait.
    private func listen() async {
        if state.withLockedValue({ $0.connection.map { !$0.isClosed } ?? false }) { return }
        guard let connection = try? await link.connectionFuture().get() else { return }
        connection.addListener(channel: PostgresHistoryStore.channel) { [weak self] _, note in
            self?.notified(note.payload)
        }
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "LISTEN \(PostgresHistoryStore.channel)"), logger: link.logger).get()
            state.withLockedValue { $0.connection = connection }
        } catch {
            connection.closeSoon()
        }
    }

    deinit {
        state.withLockedValue { $0.connection }?.closeSoon()
    }
}
