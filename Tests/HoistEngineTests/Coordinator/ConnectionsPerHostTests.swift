import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// One connection per host for a whole deployment: the lock's take, its heartbeat (beside a
/// hook that outlasts several beats and a refresh of every host) and its release share each
/// host's connection with the deployment's commands.
@Suite struct ConnectionsPerHostTests {
    @Test func aDeploymentOpensOneConnectionPerHostHoweverLongItsHooksRun() async throws {
        let group = try FolderGroup()
        try group.hold("h1")
        let connector = CountingConnector()
        var request = group.request(group.plan(), try await group.revision("v1"))
        // Lease 30 s: every host's lock is refreshed every 10 s, the first host's every 200 ms.
        // (Not less: a coordinator whose lock no host renewed for the lease less one beat
        // stops, and a loaded machine, whose two pool threads serve every test in this
        // process, held the beats back past a 9-second lease once, with two builds beside.)
        request.lock.leaseSeconds = 30
        var ports = group.ports()
        ports.connector = connector
        let deployment = Deployment(request: request, ports: ports)
        async let report = deployment.run()
        try await group.waitUntilHolding("h1")
        // Beats while h1's AfterInstall holds its session: several on h1, and a refresh of
        // every locked host.
        try await connector.waitForBeside { $0["h1", default: 0] >= 4 && $0.count == group.hosts.count }
        try group.release("h1")
        let ended = try await report
        #expect(ended.verdict.status == .succeeded)
        #expect(connector.connections == Dictionary(uniqueKeysWithValues: group.hosts.map { ($0.name, 1) }))
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
    }

    /// A host that cannot be reached when the lock is taken fails at its turn with the same
    /// error at once, and the release does not try it: a frozen host cost three connect
    /// timeouts (lock, turn, release), a minute with the default 20 s.
    @Test func aHostThatCannotBeReachedIsTriedOnce() async throws {
        let group = try FolderGroup()
        let connector = SessionPoolTests.DownConnector(down: ["h2"])
        var ports = group.ports()
        ports.connector = connector
        var request = group.request(group.plan(), try await group.revision("v1"))
        // Not a minute: on a loaded machine the turn may come that long after the lock.
        request.connectRetryAfter = .seconds(3600)
        let report = try await Deployment(request: request, ports: ports).run()
        #expect(connector.attempts.current["h2"] == 1)
        let h2 = try #require(report.hosts["h2"])
        #expect(h2.status == .failed)
        #expect(h2.errorCode == .hostUnreachable)
        #expect(h2.message?.hasPrefix("timed out during SSH handshake") == true, "\(h2.message ?? "")")
        for host in ["h1", "h3"] {
            #expect(report.hosts[host]?.status == .succeeded)
            #expect(connector.attempts.current[host] == 1)
            #expect(!group.lockExists(host))
        }
    }
}

/// Opens folder-host sessions and counts, per host, the connections made and the commands
/// run beside a running one (`HostSession.runBeside`), which `onBeside` also hears; the
/// connection of `failingBeside` is gone by the time a command runs beside.
final class CountingConnector: HostConnector, @unchecked Sendable {
    private let counts = Locked((connections: [String: Int](), beside: [String: Int]()))
    private let failingBeside: String?
    private let onBeside: @Sendable (String) -> Void
    var connections: [String: Int] { counts.current.connections }

    init(failingBeside: String? = nil, onBeside: @escaping @Sendable (String) -> Void = { _ in }) {
        self.failingBeside = failingBeside
        self.onBeside = onBeside
    }

    func connect(_ host: HostSpec) async throws -> any HostSession {
        counts.withLock { $0.connections[host.name, default: 0] += 1 }
        return CountingSession(inner: LocalHostSession(host: host), counts: counts, failing: host.name == failingBeside, onBeside: onBeside)
    }

    /// Polls (generously bounded) until the commands run beside, per host, satisfy `done`.
    func waitForBeside(_ done: @escaping ([String: Int]) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(300)
        while !done(counts.current.beside) {
            guard Date() < deadline else { throw FolderGroup.FixtureError(description: "too few heartbeats: \(counts.current.beside)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    final class CountingSession: ForwardingSession, @unchecked Sendable {
        let counts: Locked<(connections: [String: Int], beside: [String: Int])>
        let failing: Bool
        let onBeside: @Sendable (String) -> Void
        init(inner: LocalHostSession, counts: Locked<(connections: [String: Int], beside: [String: Int])>, failing: Bool,
             onBeside: @escaping @Sendable (String) -> Void) {
            self.counts = counts
            self.failing = failing
            self.onBeside = onBeside
            super.init(inner: inner)
        }
        override func runBeside(_ command: String, timeoutSeconds: Double,
                                onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            counts.withLock { $0.beside[host.name, default: 0] += 1 }
            onBeside(host.name)
            if failing { throw TransportError(host: host.name, kind: .closed, message: "the connection was lost") }
            return try await inner.runBeside(command, timeoutSeconds: timeoutSeconds, onOutput: onOutput)
        }
    }
}
