/// Keeps an upload from running far ahead of the host's command. sshd holds what it has
/// received and not yet passed on in one buffer that it grows by copying, a little at a time,
/// up to the channel's whole window (2 MiB): when the host's command falls behind (a busy host)
/// that copying, with its page faults, cost sshd more than receiving the upload itself. Five
/// MB to twelve busy hosts: 40–47 ms of sshd CPU per host unpaced, 17–19 ms with 256–512 KiB
/// in flight (perf by program; docs/performance.md). OpenSSH's own client costs sshd about as
/// much as the paced upload. sshd grants the window back every 96 KiB it passes on, so the
/// limit must stay above that. On a link with latency the window has to cover the round trip
/// too, or the upload slows: the limit grows with the round trip (the kernel's measure of the
/// TCP connection; through a jump host, the session's fastest command), and pacing is off
/// until one is known.
final class UploadPacing {
    /// Bytes the host may hold unread; never less than `floor`.
    let limit: Int
    /// The largest window the host has granted (its initial one, as far as we know).
    private var largestWindow = 0

    static let floor = 512 << 10
    /// The throughput the limit keeps up at the measured round trip (bytes per second).
    static let throughputPerRoundTrip = 32.0 * 1024 * 1024

    /// Nil (no pacing) when no round trip is known yet.
    init?(roundTrip seconds: Double?) {
        guard let seconds, seconds >= 0 else { return nil }
        limit = Self.floor + Int(min(seconds, 1) * Self.throughputPerRoundTrip)
    }

    /// Whether the next write may go: the host has taken in enough, or its command is gone
    /// (the write then ends as it would unpaced). Otherwise takes in the host's window
    /// adjustments, and the caller waits for the socket.
    func mayWrite(on channel: SSHChannel) throws -> Bool {
        if channel.windowInUse(largest: &largestWindow) <= limit || channel.atEOF { return true }
        try channel.takeInPackets()
        return channel.windowInUse(largest: &largestWindow) <= limit || channel.atEOF
    }
}
