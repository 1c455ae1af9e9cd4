import Foundation
import HoistCore

/// Opens libssh2 sessions to hosts. Each host gets one session (and one OS thread that does
/// all of its I/O); connect+handshake+auth run under a separate concurrency cap and are
/// retried with jitter when the server drops them (sshd's MaxStartups).
public final class SSHConnector: HostConnector {
    public let options: SSHConnectorOptions
    private let handshakes: AsyncSemaphore
    private let uploads: AsyncSemaphore

    public init(options: SSHConnectorOptions = SSHConnectorOptions()) {
        precondition(LibSSH2Runtime.initialised, "libssh2_init failed")
        self.options = options
        handshakes = AsyncSemaphore(options.maxConcurrentHandshakes)
        uploads = AsyncSemaphore(options.maxConcurrentUploads)
    }

    public func connect(_ host: HostSpec) async throws -> any HostSession {
        try await connectSSH(host)
    }

    /// Like `connect`, returning the concrete session (for its warnings).
    public func connectSSH(_ host: HostSpec) async throws -> SSHHostSession {
        let options = self.options
        var attempt = 1
        while true {
            let thread = SessionThread(name: "ssh \(host.name)")
            do {
                let chain = try await handshakes.withPermit {
                    try await thread.perform { try SessionChain.open(host, options: options) }
                }
                return SSHHostSession(host: host, thread: thread, chain: chain, keepaliveSeconds: options.keepaliveSeconds,
                                     residentShell: options.residentShell, uploads: uploads,
                                     side: SideCommands(quietWaitSeconds: options.quietWaitSeconds))
            } catch let error as TransportError where Self.isRetryable(error) && attempt < options.handshakeAttempts {
                thread.stop()
                // Back off with jitter so a burst of refused handshakes does not return as one.
                let base = 0.2 * Double(1 << (attempt - 1))
                try await Task.sleep(nanoseconds: UInt64(Double.random(in: base...(base * 2)) * 1e9))
                attempt += 1
            } catch {
                thread.stop()
                throw error
            }
        }
    }

    /// Resets and missing banners are what an overloaded sshd produces; everything else
    /// (refused, host key, auth, timeouts) would fail the same way again.
    static func isRetryable(_ error: TransportError) -> Bool {
        error.kind == .closed || error.kind == .protocolError
    }
}
