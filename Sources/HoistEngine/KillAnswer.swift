/// Whether a host answered an immediate stop's kill of its hook, for `HookRunner` to give up
/// one that did not (its sshd frozen). Only what comes after the host was asked counts: a
/// line the hook printed before it froze says nothing of the host now.
struct KillAnswer: Sendable {
    /// The stop has asked the host (opened, or begun to open, the kill's connection).
    var asked = false
    var answered = false
    /// The host was given up: what it says from now on is no part of the event.
    var givenUp = false

    /// Something came from the host: an answer once it has been asked. Returns whether the
    /// line counts (false once the host was given up). One lock per output line.
    mutating func heard() -> Bool {
        if givenUp { return false }
        if asked { answered = true }
        return true
    }
}
