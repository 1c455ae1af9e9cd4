import Foundation
import Glibc
import HoistTestSupport

/// Free TCP ports on 127.0.0.1 for the servers a test starts.
enum LoopbackPorts {
    static func free() throws -> Int { try LoopbackSocket.portForAServer() }

    /// A port where every connection is refused, for as long as the test process runs: its
    /// socket stays bound (never listening, never closed), so no server a concurrent test
    /// starts can be given the port, as one picked free and closed again could be.
    static func closed() throws -> Int { try LoopbackSocket.refusing().port }
}

/// A client connection held open through a balancer, to give a server a current session.
final class HeldConnection {
    private var fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Glibc.close(fd)
            throw FixtureError("cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    deinit { close() }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
