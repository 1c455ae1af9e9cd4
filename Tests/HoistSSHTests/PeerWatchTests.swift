@testable import HoistSSH
import Testing

/// The judging of a host that stops answering (`PeerWatch`), on a made-up clock: `quiet` is
/// what the kernel would say of the last data received.
@Suite("Peer watch")
struct PeerWatchTests {
    /// Keepalive every 10 s, an answer within 25 s.
    func watch() -> PeerWatch { PeerWatch(keepaliveSeconds: 10, answerSeconds: 25) }

    @Test func aQuietHostIsAskedOnceAKeepaliveIntervalPassed() {
        var w = watch()
        #expect(w.step(now: 100, quiet: 9.9, canSend: true) == .nothing)
        #expect(w.step(now: 100.2, quiet: 10.1, canSend: true) == .sendKeepalive)
        // Not again before another interval.
        #expect(w.step(now: 105, quiet: 14.9, canSend: true) == .nothing)
        #expect(w.step(now: 110.2, quiet: 20.1, canSend: true) == .sendKeepalive)
    }

    /// The reply comes a millisecond after the keepalive: the kernel's clock, which counts in
    /// ticks, may put it a few milliseconds either side of the keepalive; it still counts.
    @Test func aPromptAnswerCountsWhateverTheKernelsTicks() {
        var w = watch()
        #expect(w.step(now: 100, quiet: 10, canSend: true) == .sendKeepalive)
        // The reply arrived at 100.001; the kernel says 4 ms ago at 100.003 (a tick late).
        #expect(w.step(now: 100.003, quiet: 0.004, canSend: true) == .nothing)
        // Quiet again for long after: asked afresh, not judged on the first keepalive.
        #expect(w.step(now: 110.1, quiet: 10.1, canSend: true) == .sendKeepalive)
        #expect(w.step(now: 120.2, quiet: 20.2, canSend: true) == .sendKeepalive)
        #expect(w.step(now: 130.3, quiet: 30.3, canSend: true) == .sendKeepalive)
        #expect(w.step(now: 135, quiet: 35, canSend: true) == .nothing, "the first unanswered keepalive went at 110.1")
        guard case .dead = w.step(now: 135.25, quiet: 35.25, canSend: true) else {
            Issue.record("not judged gone 25 s after the second keepalive")
            return
        }
    }

    @Test func anUnansweredKeepaliveMakesTheHostGoneAfterTheAnswerTime() {
        var w = watch()
        #expect(w.step(now: 100, quiet: 10, canSend: true) == .sendKeepalive)
        #expect(w.step(now: 110, quiet: 20, canSend: true) == .sendKeepalive)
        #expect(w.step(now: 120, quiet: 30, canSend: true) == .sendKeepalive)
        #expect(w.step(now: 124.9, quiet: 34.9, canSend: true) == .nothing)
        guard case .dead(let silent, let asked) = w.step(now: 125, quiet: 35, canSend: true) else {
            Issue.record("not judged gone")
            return
        }
        #expect(silent == 35 && asked == 25, "counted from the first unanswered keepalive")
    }

    /// A host that answers every keepalive is never judged, however long its command is silent.
    @Test func aHostThatAnswersIsNeverGone() {
        var w = watch()
        var now = 100.0
        var lastData = 90.0
        for _ in 0..<1000 {
            let step = w.step(now: now, quiet: now - lastData, canSend: true)
            if case .dead = step { Issue.record("judged gone at \(now)"); return }
            if step == .sendKeepalive { lastData = now + 0.03 }
            now += 1
        }
    }

    /// With a packet half sent (the socket's buffers full) no keepalive can go: the silence
    /// itself is judged, after a keepalive interval and the answer time.
    @Test func aHostThatTakesNothingInIsGoneWithoutAKeepalive() {
        var w = watch()
        #expect(w.step(now: 100, quiet: 10, canSend: false) == .nothing)
        #expect(w.step(now: 134.9, quiet: 34.9, canSend: false) == .nothing)
        #expect(w.step(now: 135, quiet: 35, canSend: false) == .dead(silentSeconds: 35, askedSeconds: nil))
    }

    @Test func keepalivesOffJudgeNothing() {
        var w = PeerWatch(keepaliveSeconds: 0, answerSeconds: 25)
        #expect(w.step(now: 1000, quiet: 1000, canSend: true) == .nothing)
        #expect(w.secondsUntilDue(now: 1000, quiet: 1000, canSend: true) == .infinity)
    }

    /// A wait sleeps no longer than until the next keepalive or the answer's limit.
    @Test func aWaitWakesWhenTheWatchHasSomethingToDo() {
        var w = watch()
        #expect(w.secondsUntilDue(now: 100, quiet: 4, canSend: true) == 6)
        #expect(w.step(now: 106, quiet: 10, canSend: true) == .sendKeepalive)
        #expect(w.secondsUntilDue(now: 107, quiet: 11, canSend: true) == 9)
        #expect(w.secondsUntilDue(now: 107, quiet: 11, canSend: false) == 24)
        #expect(w.step(now: 126, quiet: 30, canSend: true) == .sendKeepalive)
        #expect(w.secondsUntilDue(now: 128, quiet: 32, canSend: true) == 3, "the answer is due 25 s after 106")
    }

    /// A deadline that passes before the host is judged says what the watch knows: a frozen
    /// host's channel open (30 s) timed out 5 s before its keepalive's answer time ran out.
    @Test func aTimeoutSaysHowLongTheHostHasBeenSilent() {
        var w = watch()
        #expect(w.silence(now: 100, quiet: 9) == nil, "quiet less than a keepalive interval is nothing to say")
        #expect(w.step(now: 100, quiet: 10, canSend: true) == .sendKeepalive)
        let frozen = w.silence(now: 120, quiet: 30)
        #expect(frozen?.silentSeconds == 30)
        #expect(frozen?.askedSeconds == 20)
        // Answered since: only the quiet is said, no keepalive is outstanding.
        #expect(w.step(now: 121, quiet: 0.5, canSend: true) == .nothing)
        let quiet = w.silence(now: 132, quiet: 11.5)
        #expect(quiet?.silentSeconds == 11.5)
        #expect(quiet?.askedSeconds == nil)
    }
}
