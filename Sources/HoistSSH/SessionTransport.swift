import CLibSSH2
import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// What a session's bytes travel over: a TCP socket, or a socketpair fed through a jump
/// host's channel. Waiting on a session waits on its transport's descriptors, and a tunnel
/// moves its bytes whenever its session waits.
protocol SessionTransport: AnyObject {
    /// The descriptor libssh2 reads and writes.
    var descriptor: Int32 { get }
    /// Other descriptors whose readiness lets this transport move bytes.
    func extraPollDescriptors() -> [pollfd]
    /// Moves whatever bytes can move without blocking; true when something moved.
    func pump() throws -> Bool
    /// The network's round trip to the host as the kernel measures it, when it can.
    var kernelRoundTripSeconds: Double? { get }
    /// Seconds since the host last sent anything, when this transport can tell (`PeerWatch`).
    /// Safe from any thread while the transport is open (`HostSession.secondsSinceHeard`).
    var secondsSinceDataReceived: Double? { get }
    func close()
}

/// A plain TCP connection.
final class SocketTransport: SessionTransport {
    let descriptor: Int32
    private var closed = false
    init(descriptor: Int32) { self.descriptor = descriptor }
    func extraPollDescriptors() -> [pollfd] { [] }
    func pump() throws -> Bool { false }
    var kernelRoundTripSeconds: Double? {
        let microseconds = hoist_tcp_round_trip_microseconds(descriptor)
        return microseconds < 0 ? nil : Double(microseconds) / 1_000_000
    }
    /// The kernel's measure of the TCP connection.
    var secondsSinceDataReceived: Double? {
        let milliseconds = hoist_tcp_milliseconds_since_data_received(descriptor)
        return milliseconds < 0 ? nil : Double(milliseconds) / 1000
    }
    func close() {
        if !closed { closed = true; _ = Glibc.close(descriptor) }
    }
    deinit { close() }
}
