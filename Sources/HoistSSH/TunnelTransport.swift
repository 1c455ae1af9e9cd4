import CLibSSH2
import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// A jump-host hop: a direct-tcpip channel on the parent session, bridged to a socketpair
/// because libssh2 can only run a session over a socket. Bytes move whenever the inner
/// session waits, on the same session thread.
final class TunnelTransport: SessionTransport {
    let parent: SSHSessionHandle
    /// `ADDRESS port PORT`, for messages.
    private let destination: String
    private let channel: OpaquePointer
    /// Given to the inner libssh2 session.
    let descriptor: Int32
    /// The socketpair's round trip says nothing of the network's.
    var kernelRoundTripSeconds: Double? { nil }
    /// The host's bytes arrive as the channel's data: when they last did (`Deadline.now()`'s
    /// clock). Locked, since `HostSession.secondsSinceHeard` reads it off the session's thread.
    private let lastReceived = Locked(Deadline.now())
    var secondsSinceDataReceived: Double? { Deadline.now() - lastReceived.current }
    /// Our end of the socketpair.
    private let bridge: Int32
    private var toSocket: [UInt8] = []
    private var toSocketOffset = 0
    private var toChannel: [UInt8] = []
    private var toChannelOffset = 0
    private var channelEOF = false
    private var socketEOF = false
    private var closed = false
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    init(through parent: SSHSessionHandle, to address: String, port: Int, deadline: Deadline) throws {
        self.parent = parent
        destination = "\(address) port \(port)"
        let session = parent.raw
        channel = try parent.callPointer("opening a tunnel to \(destination)", kind: .refused, deadline: deadline) {
            libssh2_channel_direct_tcpip_ex(session, address, Int32(port), "127.0.0.1", 22)
        }
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            _ = libssh2_channel_free(channel)
            throw TransportError(host: parent.label, kind: .channel, message: "cannot create a socketpair: \(String(cString: strerror(errno)))")
        }
        descriptor = pair[0]
        bridge = pair[1]
        for fd in pair { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    func extraPollDescriptors() -> [pollfd] {
        let directions = libssh2_session_block_directions(parent.raw)
        var parentEvents = Int16(POLLIN)
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { parentEvents |= Int16(POLLOUT) }
        var bridgeEvents: Int16 = 0
        if toChannel.isEmpty && !socketEOF { bridgeEvents |= Int16(POLLIN) }
        if !toSocket.isEmpty { bridgeEvents |= Int16(POLLOUT) }
        return [pollfd(fd: parent.transport.descriptor, events: parentEvents, revents: 0),
                pollfd(fd: bridge, events: bridgeEvents, revents: 0)] + parent.transport.extraPollDescriptors()
    }

    func pump() throws -> Bool {
        var moved = try parent.transport.pump()
        // Channel to socket.
        if toSocket.isEmpty && !channelEOF {
            let n = libssh2_channel_read_ex(channel, 0, scratch.baseAddress!.assumingMemoryBound(to: CChar.self), scratch.count)
            if n > 0 {
                toSocket = Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                toSocketOffset = 0
                lastReceived.withLock { $0 = Deadline.now() }
                moved = true
            } else if n == 0 && libssh2_channel_eof(channel) != 0 {
                channelEOF = true
                shutdown(bridge, Int32(SHUT_WR))
                moved = true
            } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                throw parent.failure(.closed, "carrying the tunnel to \(destination)", code: Int32(n))
            }
        }
        if !toSocket.isEmpty {
            let n = toSocket.withUnsafeBytes { write(bridge, $0.baseAddress! + toSocketOffset, $0.count - toSocketOffset) }
            if n > 0 {
                toSocketOffset += n
                moved = true
                if toSocketOffset == toSocket.count { toSocket = [] }
            }
        }
        // Socket to channel.
        if toChannel.isEmpty && !socketEOF {
            let n = read(bridge, scratch.baseAddress, scratch.count)
            if n > 0 {
                toChannel = Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                toChannelOffset = 0
                moved = true
            } else if n == 0 {
                socketEOF = true
                _ = libssh2_channel_send_eof(channel)
            }
        }
        if !toChannel.isEmpty {
            let n = toChannel.withUnsafeBytes {
                libssh2_channel_write_ex(channel, 0, ($0.baseAddress! + toChannelOffset).assumingMemoryBound(to: CChar.self), $0.count - toChannelOffset)
            }
            if n > 0 {
                toChannelOffset += n
                moved = true
                if toChannelOffset == toChannel.count { toChannel = [] }
            } else if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
                throw parent.failure(.closed, "carrying the tunnel to \(destination)", code: Int32(n))
            }
        }
        return moved
    }

    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
        Glibc.close(bridge)
        let channel = self.channel
        _ = try? parent.call("closing a tunnel", kind: .closed, deadline: .after(2)) { libssh2_channel_free(channel) }
    }

    deinit {
        close()
        scratch.deallocate()
    }
}
