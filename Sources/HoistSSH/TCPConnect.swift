import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Opens a TCP connection with a deadline: getaddrinfo, then a non-blocking connect to each
/// address in turn, waited for with poll(). Runs on a session thread, never on the pool.
enum TCPConnect {
    /// `deadPeerSeconds`: how long sent data (an SSH keepalive, a command) may stay
    /// unacknowledged, and an idle connection unanswered to TCP keepalive probes, before the
    /// kernel declares the peer gone; 0 leaves the system defaults (minutes).
    static func open(host: String, address: String, port: Int, deadline: Deadline, deadPeerSeconds: Int = 0) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw TransportError(host: host, kind: .dns,
                message: "cannot resolve \(address): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }

        var lastError: TransportError?
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            do {
                return try connect(info.pointee, host: host, address: address, port: port, deadline: deadline, deadPeerSeconds: deadPeerSeconds)
            } catch let error as TransportError {
                lastError = error
                if error.kind == .timeout { break }
            }
        }
        throw lastError ?? TransportError(host: host, kind: .dns, message: "\(address) has no usable address")
    }

    private static func connect(_ info: addrinfo, host: String, address: String, port: Int, deadline: Deadline, deadPeerSeconds: Int) throws -> Int32 {
        let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else {
            throw TransportError(host: host, kind: .refused, message: "cannot create a socket: \(String(cString: strerror(errno)))")
        }
        var keep: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keep, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &keep, socklen_t(MemoryLayout<Int32>.size))
        if deadPeerSeconds > 0 { detectDeadPeer(fd, seconds: deadPeerSeconds) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

        let rc = Glibc.connect(fd, info.ai_addr, info.ai_addrlen)
        if rc != 0 && errno != EINPROGRESS {
            let err = errno
            close(fd)
            throw failure(err, host: host, address: address, port: port)
        }
        if rc != 0 {
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while true {
                if deadline.hasPassed {
                    close(fd)
                    throw TransportError(host: host, kind: .timeout, message: "timed out connecting to \(address) port \(port)")
                }
                let n = poll(&pfd, 1, deadline.pollMilliseconds(cap: 1))
                if n > 0 { break }
                if n < 0 && errno != EINTR {
                    let err = errno
                    close(fd)
                    throw failure(err, host: host, address: address, port: port)
                }
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError != 0 {
                close(fd)
                throw failure(soError, host: host, address: address, port: port)
            }
        }
        return fd
    }

    /// A host that goes silent (a network blackhole: no reset, no answer) would otherwise
    /// hold a session for the kernel's retransmission limit, about 15 minutes. TCP keepalive
    /// probes start after a third of `seconds` idle, and TCP_USER_TIMEOUT bounds both the
    /// probes and unacknowledged data (SSH keepalives included) to `seconds`; the next read
    /// then fails and the host is reported unreachable.
    static func detectDeadPeer(_ fd: Int32, seconds: Int) {
        let size = socklen_t(MemoryLayout<Int32>.size)
        var idle = Int32(max(1, seconds / 3)), interval = Int32(max(1, seconds / 6)), count: Int32 = 3
        var timeout = UInt32(seconds * 1000)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_USER_TIMEOUT, &timeout, socklen_t(MemoryLayout<UInt32>.size))
    }

    private static func failure(_ err: Int32, host: String, address: String, port: Int) -> TransportError {
        let text = String(cString: strerror(err))
        switch err {
        case ECONNREFUSED:
            return TransportError(host: host, kind: .refused, message: "connection refused by \(address) port \(port) (is sshd running?)")
        case ETIMEDOUT:
            return TransportError(host: host, kind: .timeout, message: "timed out connecting to \(address) port \(port)")
        default:
            return TransportError(host: host, kind: .refused, message: "cannot connect to \(address) port \(port): \(text)")
        }
    }
}
