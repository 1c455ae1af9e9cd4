import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing
@testable import HoistEngine

/// An immediate stop with the host frozen mid-hook, or before its hook's first line (its sshd
/// stopped, the connection up): the kill's own connection hangs in its handshake and the
/// hook's run waits for a result that does not come. The coordinator waited for the
/// connection to be declared dead (35 s); now it gives the host up once the kill grace and
/// `unansweredKillSeconds` have passed since it asked the host.
@Suite struct HookRunnerFrozenHostTests {
    /// A host web1 for one hook run: subclasses say how its commands and connections go.
    /// Records the reason it was abandoned (given up).
    class FakeHookHost: HostSession, HostConnector, @unchecked Sendable {
        let host = HostSpec(name: "web1", address: "127.0.0.1")
        let abandoned = Locked<String?>(nil)

        func connect(_ host: HostSpec) async throws -> any HostSession { self }
        func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                 onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            CommandResult(exitStatus: 0)
        }
        func run(_ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
                 onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            try await run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
        }
        func upload(localPath: String, remotePath: String, mode: Int32, sha256: String,
                    progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
            throw TransportError(host: host.name, kind: .closed, message: "no uploads here")
        }
        func close() async {}
        func abandon(_ reason: String) { abandoned.withLock { $0 = reason } }
        /// What the hook's connection says of the host (nil: it cannot tell).
        let heard = Locked<Double?>(nil)
        var secondsSinceHeard: Double? { heard.current }
    }

    /// A host that answered until the hook started, then froze: the run has printed the
    /// wrapper's key line (or, `printsFirstLine` false, froze before that line left it, so
    /// the group to kill is not known) and never ends (not even when cancelled, as a command
    /// on a frozen SSH connection does not), and a new connection's handshake hangs. `thaw`
    /// lets both go.
    final class FrozenHost: FakeHookHost, @unchecked Sendable {
        let printsFirstLine: Bool
        let thaw = Gate()
        let (started, hookStarted) = AsyncStream.makeStream(of: Void.self)

        init(printsFirstLine: Bool) {
            self.printsFirstLine = printsFirstLine
        }
        override func connect(_ host: HostSpec) async throws -> any HostSession {
            await thaw.wait()
            throw TransportError(host: host.name, kind: .timeout, message: "timed out during SSH handshake")
        }
        override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                          onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            if printsFirstLine {
                onOutput(OutputLine(.stderr, HookStatusReader.marker + "01234567-89ab-cdef-0123-456789abcdef"))
            }
            hookStarted.yield()
            await thaw.wait()
            throw TransportError(host: host.name, kind: .closed, message: "the host stopped answering")
        }
    }

    /// Frozen before the first line, the host was not asked anything: the stop waited for
    /// that line, and so for the connection to be declared dead (35 s on SSH).
    @Test(.timeLimit(.minutes(1)), arguments: [true, false])
    func anImmediateStopGivesUpAHostThatDoesNotAnswerTheKill(printsFirstLine: Bool) async throws {
        let host = FrozenHost(printsFirstLine: printsFirstLine)
        defer { host.thaw.open() }
        let stop = StopController()
        var runner = HookRunner(session: host, observer: RecordingObserver(), stop: stop, connector: host)
        runner.unansweredKillSeconds = 0
        let hook = HookInvocation(event: .afterInstall, location: "scripts/wait.sh", revisionRoot: "/opt/app", timeoutSeconds: 3600,
                                  logFile: "/tmp/scripts.log", killGraceSeconds: 0)
        let running = Task { await runner.run(hook) }
        for await _ in host.started { break }
        stop.request(.immediate)
        // Thawed only afterwards, so that a runner waiting for the host ends too (unreachable).
        let gaveUp = await eventually(within: 10) { host.abandoned.current != nil }
        host.thaw.open()
        let outcome = await running.value
        #expect(gaveUp, "the host was given up while it was still frozen")
        #expect(outcome.errorCode == .unknownError)
        #expect(outcome.message == "Script at specified location: scripts/wait.sh was stopped: the deployment was stopped immediately, "
            + "but web1 did not answer the kill within 0 s; the script may still be running there: check the host")
        #expect(host.abandoned.current?.contains("web1 did not answer the kill of scripts/wait.sh") == true,
                "the session is given up: later commands fail at once")
    }

    /// A host slow to start its hook (a busy machine): its first line comes long after the
    /// stop, and the kill is tried only then. It answers at once; it must not be given up.
    /// The wait for an answer counted from the stop, so such a host was given up before it
    /// was asked anything (HookRunnerTests, on a loaded machine).
    final class SlowStartHost: FakeHookHost, @unchecked Sendable {
        let hookRuns = Locked(0)
        let start = Gate()
        let killed = Gate()

        override func connect(_ host: HostSpec) async throws -> any HostSession { self }
        override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                          onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            // The first command is the hook; any other is its kill.
            guard hookRuns.withLock({ $0 += 1; return $0 }) == 1 else {
                killed.open()
                return CommandResult(exitStatus: 0)
            }
            await start.wait()
            onOutput(OutputLine(.stderr, HookStatusReader.marker + "01234567-89ab-cdef-0123-456789abcdef"))
            await killed.wait()
            return CommandResult(exitStatus: nil, signal: "TERM")
        }
    }

    @Test(.timeLimit(.minutes(1))) func aHostSlowToStartItsHookIsAskedBeforeItIsGivenUp() async throws {
        let host = SlowStartHost()
        // Counted from the stop, the host was given up 1 s in, its hook not started yet.
        // No connector: the kill's connection is opened only once the first line is read,
        // as without one, so the count can only start from the stop or from the kill.
        await Self.expectNotGivenUp(host, connector: nil) { host.start.open() }
        #expect(host.hookRuns.current == 2, "the kill was sent")
    }

    /// Runs a hook on `host` with the deployment already stopped immediately and 2 s for an
    /// answer (time enough for a busy machine to wake the fake that answers), and expects the
    /// host not given up within 5 s; then `release` lets it go on.
    static func expectNotGivenUp(_ host: FakeHookHost, connector: (any HostConnector)?? = .none, then release: () -> Void,
                                 sourceLocation: SourceLocation = #_sourceLocation) async {
        let stop = StopController()
        stop.request(.immediate)
        var runner = HookRunner(session: host, observer: RecordingObserver(), stop: stop, connector: connector ?? host)
        runner.unansweredKillSeconds = 2
        let hook = HookInvocation(event: .afterInstall, location: "scripts/wait.sh", revisionRoot: "/opt/app", timeoutSeconds: 3600,
                                  logFile: "/tmp/scripts.log", killGraceSeconds: 0)
        let running = Task { await runner.run(hook) }
        let gaveUp = await eventually(within: 5) { host.abandoned.current != nil }
        release()
        let outcome = await running.value
        #expect(!gaveUp, "\(host.abandoned.current ?? "")", sourceLocation: sourceLocation)
        #expect(outcome.message?.contains("did not answer the kill") != true, "\(outcome.message ?? "")", sourceLocation: sourceLocation)
    }
}

extension HookRunnerFrozenHostTests {
    /// A host whose new connections hang (sshd's MaxStartups, a busy machine slow to fork)
    /// while its hook's connection still brings something once the stop has asked it (opened
    /// the kill's connection): a line of the hook's, or (`byLine` false) a keepalive's reply,
    /// which the session tells as data heard a moment ago. It answers: it is not given up.
    final class HeardHostNoNewConnections: FakeHookHost, @unchecked Sendable {
        let byLine: Bool
        let asked = Gate()
        let released = Gate()

        init(byLine: Bool) {
            self.byLine = byLine
        }
        override func connect(_ host: HostSpec) async throws -> any HostSession {
            asked.open()
            await released.wait()
            throw TransportError(host: host.name, kind: .timeout, message: "timed out during SSH handshake")
        }
        override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                          onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            await asked.wait()
            if byLine { onOutput(OutputLine(.stdout, "still working")) } else { heard.withLock { $0 = 0.01 } }
            await released.wait()
            return CommandResult(exitStatus: 0)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: [true, false])
    func aHostHeardAfterTheStopAskedItIsNotGivenUp(byLine: Bool) async throws {
        let host = HeardHostNoNewConnections(byLine: byLine)
        defer { host.released.open() }
        await Self.expectNotGivenUp(host) { host.released.open() }
    }
}
