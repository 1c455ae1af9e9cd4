/// Tells a host that has stopped answering from one that is only quiet. A host whose sshd is
/// suspended (SIGSTOP, a frozen VM, swap death) keeps its TCP connection up: its kernel
/// acknowledges everything, so neither TCP's user timeout nor its keepalives ever fire, and
/// every wait on it lasted until its own deadline, one after another (an upload stuck for
/// minutes, a hook's kill and its record each waiting their turn). sshd answers an SSH
/// keepalive however busy its commands are, so once the host has sent nothing for a
/// keepalive interval, a keepalive asks for a reply; one left unanswered for `answerSeconds`
/// means the host is gone.
///
/// Pure: the caller says how long the connection has been quiet (the kernel's measure of the
/// last data received) and whether a packet can go out now, and does what `step` says.
struct PeerWatch {
    let keepaliveSeconds: Double
    let answerSeconds: Double

    /// What the caller does now.
    enum Step: Equatable {
        case nothing
        case sendKeepalive
        /// Nothing came for `silentSeconds`, though a keepalive asked `askedSeconds` ago (or,
        /// with no keepalive possible, the host took in nothing that long either).
        case dead(silentSeconds: Double, askedSeconds: Double?)
    }

    /// The first keepalive sent since data last came: when it went, and when the data before
    /// it had come (both on the caller's clock).
    private var asked: (at: Double, lastDataBefore: Double)?
    private var lastKeepalive = -Double.infinity

    /// Off when keepalives are off (`keepaliveSeconds` 0).
    init(keepaliveSeconds: Double, answerSeconds: Double) {
        self.keepaliveSeconds = keepaliveSeconds
        self.answerSeconds = answerSeconds
    }

    var isOn: Bool { keepaliveSeconds > 0 && answerSeconds > 0 }

    /// `quiet`: seconds since the host last sent data. `canSend`: false while a packet is only
    /// partly sent (libssh2 blocked outbound), when a keepalive cannot go.
    mutating func step(now: Double, quiet: Double, canSend: Bool) -> Step {
        guard isOn else { return .nothing }
        let lastData = now - quiet
        if let asked {
            if Self.answers(lastData, asked) {
                self.asked = nil
            } else if now - asked.at >= answerSeconds {
                return .dead(silentSeconds: quiet, askedSeconds: now - asked.at)
            }
        }
        guard quiet >= keepaliveSeconds else { return .nothing }
        if !canSend {
            // A host that neither sends nor takes in what was sent (the socket's buffers are
            // full) for this long is as gone as one that leaves a keepalive unanswered.
            return quiet >= keepaliveSeconds + answerSeconds ? .dead(silentSeconds: quiet, askedSeconds: nil) : .nothing
        }
        guard now - lastKeepalive >= keepaliveSeconds else { return .nothing }
        lastKeepalive = now
        if asked == nil { asked = (now, lastData) }
        return .sendKeepalive
    }

    /// What an operation whose own deadline passed first can say of the host: nil unless it
    /// has sent nothing for a keepalive interval or more; else how long, and how long ago the
    /// keepalive it left unanswered asked (nil: none is outstanding). A host frozen before a
    /// channel opened timed out as "during opening a channel", which reads like a slow sshd.
    func silence(now: Double, quiet: Double) -> (silentSeconds: Double, askedSeconds: Double?)? {
        guard isOn, quiet >= keepaliveSeconds else { return nil }
        let lastData = now - quiet
        guard let asked, !Self.answers(lastData, asked) else { return (quiet, nil) }
        return (quiet, now - asked.at)
    }

    /// The kernel counts in ticks: data counts as an answer only when it came well after what
    /// came before the keepalive (which was a keepalive interval or more before).
    private static func answers(_ lastData: Double, _ asked: (at: Double, lastDataBefore: Double)) -> Bool {
        lastData > asked.lastDataBefore + (asked.at - asked.lastDataBefore) / 2
    }

    /// How long a wait may sleep before `step` has something to do (given the same `canSend`).
    func secondsUntilDue(now: Double, quiet: Double, canSend: Bool) -> Double {
        guard isOn else { return .infinity }
        // Blocked outbound, no keepalive goes: the silence itself is judged.
        guard canSend else { return max(0, keepaliveSeconds + answerSeconds - quiet) }
        var due = quiet >= keepaliveSeconds ? max(0, lastKeepalive + keepaliveSeconds - now) : keepaliveSeconds - quiet
        if let asked { due = min(due, max(0, asked.at + answerSeconds - now)) }
        return due
    }
}
