import Foundation
import HoistCore
@testable import HoistSSH
import HoistTestSupport
import Testing

/// A host whose sshd stops answering while its TCP connection stays up (suspended, frozen):
/// the proxy in front of the test sshd freezes, so this machine's kernel still acknowledges
/// what is sent and nothing comes back. Keepalives every second, an answer within 8 s: time
/// enough for a live sshd on a busy machine.
/// Without `PeerWatch` each of these waited out its command's own time (ten minutes here).
@Suite("SSH: a host that stops answering")
struct SilentHostTests {
    let sshd = LocalSSHD.shared

    func connectThroughProxy(at place: LocalSSHD.ProxyPlace = .host) async throws -> (CommitCuttingProxy, any HostSession) {
        try await sshd.connectThroughProxy(at: place) {
            $0.keepaliveSeconds = 1
            $0.deadPeerSeconds = 8
        }
    }

    func expectSilentHost(_ outcome: Result<some Any, any Error>, _ what: String) throws {
        switch outcome {
        case .success:
            Issue.record("\(what) succeeded")
        case .failure(let error):
            let error = try #require(error as? TransportError, "\(error)")
            #expect(error.isUnreachable, "\(what): \(error.kind): \(error.message)")
            #expect(error.message.contains("stopped answering"), "\(what): \(error.message)")
        }
    }

    /// Starts a silent ten-minute command, freezes the proxy once it runs, and gives how the
    /// command ended.
    static func longCommand(on session: any HostSession, frozenBy proxy: CommitCuttingProxy) async -> Result<CommandResult, any Error> {
        let started = Locked(false)
        let command = Task {
            try await session.run("echo started; sleep 600", timeoutSeconds: 600, killGraceSeconds: 5) { line in
                if line.text == "started" { started.withLock { $0 = true } }
            }
        }
        #expect(await eventually(within: 120) { started.current }, "the command started")
        proxy.freeze()
        return await command.result
    }

    @Test(.timeLimit(.minutes(5)))
    func aCommandOnAHostThatStopsAnsweringFailsAsUnreachable() async throws {
        let (proxy, session) = try await connectThroughProxy()
        defer { Task { await session.close() } }
        try expectSilentHost(await Self.longCommand(on: session, frozenBy: proxy), "the command")
        // The session stays judged: the clean-up after the failure does not wait again.
        let next: Result<String, any Error>
        do { next = .success(try await session.capture("echo still here").stdout) } catch { next = .failure(error) }
        try expectSilentHost(next, "the next command")
    }

    @Test(.timeLimit(.minutes(5)))
    func anUploadToAHostThatStopsAnsweringFailsAsUnreachable() async throws {
        let (proxy, session) = try await connectThroughProxy()
        defer { Task { await session.close() } }
        let outcome = try await UploadTests.uploadInterrupted(on: session, in: sshd.dir) { proxy.freeze() }
        try expectSilentHost(outcome, "the upload")
    }

    /// A connection given up (`abandon`: an immediate stop whose kill the host did not
    /// answer) fails every later command at once and closes without waiting for the host; a
    /// command beside it already under way is answered at once too, and the command on the
    /// frozen connection that held the session's thread ends (its socket shut down under
    /// it), so the thread is free for the clean-up behind it. Keepalives are far apart here:
    /// the connection is not judged dead meanwhile. Each waited for the command to end
    /// (35 s with the default keepalives; ten minutes here).
    @Test(.timeLimit(.minutes(3)))
    func anAbandonedSessionFailsAtOnceAndClosesWithoutWaiting() async throws {
        let (proxy, session) = try await sshd.connectThroughProxy {
            $0.keepaliveSeconds = 600
            $0.deadPeerSeconds = 600
        }
        let started = Locked(false)
        let commandEnded = Locked(false)
        let command = Task {
            defer { commandEnded.withLock { $0 = true } }
            return try await session.run("echo started; sleep 600", timeoutSeconds: 600, killGraceSeconds: 5) { line in
                if line.text == "started" { started.withLock { $0 = true } }
            }
        }
        defer { command.cancel() }
        #expect(await eventually(within: 120) { started.current }, "the command started")
        proxy.freeze()
        // A command beside it (the lock's heartbeat) is under way on the frozen connection:
        // handed to the session before it is given up, not refused by it.
        let besideBefore = Task { try await session.capture("echo beside", timeoutSeconds: 600, beside: true) }
        let ssh = try #require(session as? SSHHostSession)
        #expect(await eventually(within: 60) { ssh.besideCommandsWaiting == 1 }, "the side command is waiting")
        session.abandon("local did not answer the kill")
        let answered = await besideBefore.result
        #expect(throws: TransportError.self) { try answered.get() }
        let next = await #expect(throws: TransportError.self) { _ = try await session.capture("echo still here") }
        #expect(next?.message == "local did not answer the kill" && next?.isUnreachable == true, "\(String(describing: next))")
        let beside = await #expect(throws: TransportError.self) { _ = try await session.capture("echo beside", beside: true) }
        #expect(beside?.isUnreachable == true)
        // Closing does not wait for the command that held the thread (its own timeout is
        // ten minutes, the test's limit three).
        await session.close()
        let ended = await eventually(within: 60) { commandEnded.current }
        #expect(ended, "the command holding the thread ended")
        if ended { await #expect(throws: TransportError.self) { try await command.value } }
    }

    /// What an immediate stop asks of the hook's connection (`secondsSinceHeard`): the
    /// kernel's time since the host last sent data, or behind a jump host the time since the
    /// tunnel last carried the host's bytes. A live host answers the idle session's
    /// keepalives (every second here), so it starts again; frozen (the proxy's kernel still
    /// acknowledges what is sent), it only grows, whether the host or its jump host froze.
    @Test(.timeLimit(.minutes(3)), arguments: [LocalSSHD.ProxyPlace.host, .hostBehindJumpHost, .jumpHost])
    func aFrozenHostIsHeardFromNoMore(at place: LocalSSHD.ProxyPlace) async throws {
        let (proxy, session) = try await sshd.connectThroughProxy(at: place) {
            $0.keepaliveSeconds = 1
            $0.deadPeerSeconds = 600
        }
        defer { Task { await session.close() } }
        #expect(try await session.capture("echo here").stdout == "here")
        try #require(session.secondsSinceHeard != nil, "the connection can tell")
        var last = 0.0
        let answered = await eventually(within: 60) {
            let now = session.secondsSinceHeard ?? 0
            defer { last = now }
            return now < last
        }
        #expect(answered, "a keepalive's reply was heard")
        proxy.freeze()
        #expect(await eventually(within: 60) { (session.secondsSinceHeard ?? 0) >= 3 }, "\(session.secondsSinceHeard ?? -1)")
    }

    /// The other side: a host that answers its keepalives stays, through a command silent
    /// for several times the keepalive interval and the answer time together.
    @Test(.timeLimit(.minutes(5)))
    func aQuietHostThatAnswersItsKeepalivesIsNotJudged() async throws {
        let (_, session) = try await connectThroughProxy()
        defer { Task { await session.close() } }
        let (result, stdout, _) = try await session.capture("sleep 20; echo done", timeoutSeconds: 300)
        #expect(result.succeeded && stdout == "done", "\(result)")
    }

    /// Through a jump host, the message names the hop that went silent: the jump host when
    /// it is the one frozen, the host itself when only it is (the jump host then answers a
    /// keepalive of its own).
    @Test(.timeLimit(.minutes(5)), arguments: [true, false])
    func throughAJumpHostTheSilentHopIsNamed(jumpFrozen: Bool) async throws {
        let (proxy, session) = try await connectThroughProxy(at: jumpFrozen ? .jumpHost : .hostBehindJumpHost)
        defer { Task { await session.close() } }
        let outcome = await Self.longCommand(on: session, frozenBy: proxy)
        try expectSilentHost(outcome, "the command")
        if case .failure(let error as TransportError) = outcome {
            #expect(error.message.contains("jump host") == jumpFrozen, "\(error.message)")
        }
    }

    /// An upload to a host frozen before its channel opened failed on the channel's own
    /// deadline (30 s), before the watch's answer time ran out, as "timed out during opening
    /// a channel": a slow sshd, to a reader. It says now how long the host has been silent.
    @Test(.timeLimit(.minutes(5)))
    func aTimeoutOnAFrozenHostSaysItIsSilent() async throws {
        let (proxy, session) = try await sshd.connectThroughProxy {
            $0.keepaliveSeconds = 1
            $0.deadPeerSeconds = 120
        }
        defer { Task { await session.close() } }
        let file = sshd.dir.appendingPathComponent("frozen-\(UUID().uuidString)").path
        try Data(count: 1 << 16).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        proxy.freeze()
        let error = await #expect(throws: TransportError.self) {
            _ = try await session.upload(localPath: file, remotePath: sshd.path("frozen-copy-\(UUID().uuidString)"), mode: 0o600,
                                         sha256: String(repeating: "0", count: 64), progress: nil)
        }
        #expect(error?.isUnreachable == true)
        #expect(error?.message.contains("timed out during opening a channel (nothing came from the host for ") == true,
                "\(error?.message ?? "")")
        #expect(error?.message.contains("not even to the keepalive sent") == true, "\(error?.message ?? "")")
    }
}
