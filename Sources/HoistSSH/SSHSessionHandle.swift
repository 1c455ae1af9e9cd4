import CLibSSH2
import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// One libssh2 session in non-blocking mode and the transport under it. Every call retries on
/// EAGAIN after waiting with poll() on the directions libssh2 says it is blocked on. Used by
/// one session thread only.
final class SSHSessionHandle: @unchecked Sendable {
    /// The host name shown in messages.
    let label: String
    /// Which hop this session is, for a message about the hop itself: `jump host NAME`, or
    /// the host's name for its own session.
    let hop: String
    let raw: OpaquePointer
    let transport: SessionTransport
    /// The session this one tunnels through, kept alive as long as this one.
    let parent: SSHSessionHandle?
    /// Short commands to run beside the current job (the host's own session has them; jump
    /// hops do not). Long jobs call `serveSideCommands` where they wait for the host.
    var sideCommands: SideCommands?
    private var freed = false
    /// Keepalives while the host is quiet, and the verdict when it stops answering them.
    private var peerWatch: PeerWatch
    /// Set once the host stopped answering: every later wait on it fails at once, so the
    /// clean-up after the failure (a kill, the host's record, the lock's release) does not
    /// wait out a deadline of its own each.
    private(set) var silentHost: TransportError?

    /// `answerSeconds`: how long a keepalive may go unanswered before the host counts as gone
    /// (`PeerWatch`); 0, or keepalives off, never judges.
    init(label: String, hop: String? = nil, transport: SessionTransport, parent: SSHSessionHandle?, keepaliveSeconds: Int,
         answerSeconds: Int = 0) throws {
        guard let raw = hoist_libssh2_session_init() else {
            throw TransportError(host: label, kind: .protocolError, message: "libssh2 could not create a session (out of memory?)")
        }
        self.label = label
        self.hop = hop ?? label
        self.raw = raw
        self.transport = transport
        self.parent = parent
        peerWatch = PeerWatch(keepaliveSeconds: Double(keepaliveSeconds), answerSeconds: Double(answerSeconds))
        libssh2_session_set_blocking(raw, 0)
        preferHostKeys([])
        // AES-CTR is the fastest cipher libssh2 1.10 shares with current OpenSSH.
        _ = libssh2_session_method_pref(raw, LIBSSH2_METHOD_CRYPT_CS, "aes128-ctr,aes256-ctr,aes192-ctr")
        _ = libssh2_session_method_pref(raw, LIBSSH2_METHOD_CRYPT_SC, "aes128-ctr,aes256-ctr,aes192-ctr")
        if keepaliveSeconds > 0 {
            libssh2_keepalive_config(raw, 1, UInt32(keepaliveSeconds))
        }
    }

    /// Host key types to negotiate, those already in known_hosts first.
    func preferHostKeys(_ known: [HostKeyType]) {
        _ = libssh2_session_method_pref(raw, LIBSSH2_METHOD_HOSTKEY, HostKeyType.methodPreference(known: known))
    }

    func handshake(deadline: Deadline) throws {
        let rc = try call("SSH handshake", kind: .protocolError, deadline: deadline) {
            libssh2_session_handshake(raw, transport.descriptor)
        }
        if rc != 0 { throw failure(.protocolError, "making the SSH handshake", code: rc) }
    }

    /// Repeats `body` while libssh2 answers EAGAIN, waiting for the socket in between.
    func call(_ what: String, kind: TransportError.Kind, deadline: Deadline, _ body: () -> Int32) throws -> Int32 {
        // A session judged gone is not asked again: libssh2 would only answer with an error of its own.
        if let silentHost { throw silentHost }
        while true {
            let rc = body()
            if rc != LIBSSH2_ERROR_EAGAIN { return rc }
            try wait(what, deadline: deadline)
        }
    }

    /// Like `call`, for libssh2 functions that return a pointer and set EAGAIN as last errno.
    func callPointer<T>(_ what: String, kind: TransportError.Kind, deadline: Deadline, _ body: () -> T?) throws -> T {
        if let silentHost { throw silentHost }
        while true {
            if let value = body() { return value }
            let code = libssh2_session_last_errno(raw)
            if code != LIBSSH2_ERROR_EAGAIN { throw failure(kind, what, code: code) }
            try wait(what, deadline: deadline)
        }
    }

    /// Blocks (on this thread) until the socket can move in the direction libssh2 needs, the
    /// deadline passes (throws), the side commands' waker is woken, or `cap` seconds pass (1 by
    /// default, so callers can send keepalives; see `waitForCommand`).
    func wait(_ what: String, deadline: Deadline, cap: Double = 1) throws {
        if deadline.hasPassed {
            throw TransportError(host: label, kind: .timeout, message: "timed out during \(what)" + silenceNote())
        }
        while try transport.pump() {}
        let watchDue = try watchPeer(what)
        let directions = libssh2_session_block_directions(raw)
        var events: Int16 = 0
        if directions & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        if events == 0 { events = Int16(POLLIN) }
        var fds = [pollfd(fd: transport.descriptor, events: events, revents: 0)] + transport.extraPollDescriptors()
        let waker = sideCommands?.waker
        if let waker, waker.isUsable { fds.append(pollfd(fd: waker.descriptor, events: Int16(POLLIN), revents: 0)) }
        let n = poll(&fds, nfds_t(fds.count), deadline.pollMilliseconds(cap: min(cap, watchDue)))
        if n < 0 && errno != EINTR {
            throw TransportError(host: label, kind: .closed, message: "poll failed during \(what): \(String(cString: strerror(errno)))")
        }
        if let waker, waker.isUsable, let last = fds.last, last.fd == waker.descriptor, last.revents & Int16(POLLIN) != 0 { waker.drain() }
        while try transport.pump() {}
    }

    /// Where libssh2's packet buffers are, as its send and receive callbacks saw them
    /// (`hoist_libssh2_session_init`); for tests of the pages they give back.
    var packetBuffers: hoist_packet_buffers? {
        libssh2_session_abstract(raw)?.pointee?.assumingMemoryBound(to: hoist_packet_buffers.self).pointee
    }

    /// Gives back the pages of libssh2's write buffer that large packets (an upload's, a
    /// command's input) touched, so that they do not stay resident on every host to the end
    /// of a deployment (docs/performance.md). Not while a packet is partly sent: libssh2
    /// keeps its unsent rest there.
    func giveBackSentPacketPages() {
        if !isMidPacket { _ = hoist_libssh2_release_sent_pages(raw) }
    }

    /// True while libssh2 holds a packet only partly sent (the session is blocked outbound): it
    /// refuses any other packet until that one is out, a keepalive or a side command's alike.
    var isMidPacket: Bool { libssh2_session_block_directions(raw) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 }

    /// Sends a keepalive when the host has been quiet, and throws once it has left one
    /// unanswered too long (`PeerWatch`); how long until it has more to do.
    private func watchPeer(_ what: String) throws -> Double {
        if let silentHost { throw silentHost }
        guard peerWatch.isOn, let quiet = transport.secondsSinceDataReceived else { return .infinity }
        let now = Deadline.now()
        let canSend = !isMidPacket
        switch peerWatch.step(now: now, quiet: quiet, canSend: canSend) {
        case .nothing: break
        case .sendKeepalive:
            sendKeepalive()
            // The jump host answers one of its own, so a silence can be told apart: the host's
            // alone, or the jump host's too.
            if let parent, !parent.isMidPacket { parent.sendKeepalive() }
        case .dead(let silent, let asked):
            let question = asked.map { "not even to the keepalive sent \(Int($0)) s ago" }
                ?? "nor taken in what was sent to it"
            // Through a jump host that went silent too, the jump host is the one to look at.
            let silentHop = parent.flatMap { p in p.transport.secondsSinceDataReceived.map { $0 + 1 >= quiet } == true ? p.hop : nil }
            let who = silentHop.map { "the \($0) on the way to it" } ?? "the host"
            let error = TransportError(host: label, kind: .timeout,
                message: "\(who) stopped answering while \(what): nothing came from it for \(Int(silent)) s, \(question) "
                    + "(its sshd suspended or frozen, or the network dropping its packets)")
            silentHost = error
            throw error
        }
        return peerWatch.secondsUntilDue(now: now, quiet: quiet, canSend: canSend)
    }

    /// What a timeout can add about a host that has gone quiet (`PeerWatch.silence`), so that
    /// a frozen host is not taken for a slow one.
    private func silenceNote() -> String {
        guard let quiet = transport.secondsSinceDataReceived,
              let silence = peerWatch.silence(now: Deadline.now(), quiet: quiet) else { return "" }
        return " (nothing came from the host for \(Int(silence.silentSeconds)) s"
            + (silence.askedSeconds.map { ", not even to the keepalive sent \(Int($0)) s ago" } ?? "") + ")"
    }

    /// A running command's wait: until output arrives, the waker is woken (a side command, a
    /// cancel), the stopper's next step or the peer watch's next keepalive is due, at most the
    /// side commands' `quietWaitSeconds` (a second for a session without them).
    /// It never throws a timeout: the stopper keeps the command's time (a deadline a
    /// millisecond away would pass while a busy machine gets round to the poll). A host that
    /// stopped answering throws (`PeerWatch`).
    func waitForCommand(now: Double, stopper: CommandStopper) throws {
        let pause = max(0.001, min(stopper.secondsUntilDue(now: now), sideCommands?.quietWaitSeconds ?? 1))
        try wait("running a command", deadline: .never, cap: pause)
    }

    /// Runs the side commands queued meanwhile (see `SideCommands`); true when one ran. Only
    /// where the caller's own libssh2 calls are complete (not inside `call`'s retries).
    @discardableResult
    func serveSideCommands() -> Bool {
        sideCommands?.serve(on: self) ?? false
    }

    /// Sends a keepalive if one is due; errors here surface on the next real operation.
    func sendKeepalive() {
        // The idle timer can fire between closing the session and stopping its thread.
        guard !freed else { return }
        var next: Int32 = 0
        _ = libssh2_keepalive_send(raw, &next)
        // Behind a jump host the keepalive waits in the tunnel's socketpair until something
        // moves its bytes, and the host's reply in the jump host's connection until something
        // reads it: with no command running, nothing else does. (A freed handle's tunnel has
        // freed its channel: hence after the guard above.)
        _ = try? transport.pump()
    }

    /// `what` is what was under way, as an activity ("reading command output"): a lost
    /// connection is said as "lost while …" (`SessionFailure`).
    func failure(_ kind: TransportError.Kind, _ what: String, code: Int32? = nil) -> TransportError {
        let (lastCode, text) = LibSSH2Runtime.lastError(raw)
        return SessionFailure.error(host: label, kind: kind, doing: what, code: code, lastCode: lastCode, text: text)
    }

    /// Ends the session politely (bounded), frees it and closes the transport.
    func close() {
        guard !freed else { return }
        freed = true
        let deadline = Deadline.after(2)
        _ = try? call("disconnect", kind: .closed, deadline: deadline) {
            hoist_libssh2_session_disconnect(raw, "hoist: done")
        }
        hoist_libssh2_session_free(raw)
        transport.close()
    }

    deinit { close() }
}
