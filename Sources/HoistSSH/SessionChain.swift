import Foundation
import HoistCore

/// The sessions that reach one host: one per jump hop, then the host's own. Built and used
/// on the host's session thread only.
final class SessionChain: @unchecked Sendable {
    let handles: [SSHSessionHandle]
    let warnings: [String]
    var target: SSHSessionHandle { handles[handles.count - 1] }

    private init(handles: [SSHSessionHandle], warnings: [String]) {
        self.handles = handles
        self.warnings = warnings
    }

    /// Connects hop by hop: each hop's host key is verified before its authentication, and
    /// each later hop runs over a tunnel through the previous one.
    static func open(_ host: HostSpec, options: SSHConnectorOptions) throws -> SessionChain {
        struct Hop { var label: String; var address: String; var port: Int; var user: String }
        let hops = host.jumps.map { Hop(label: "jump host \($0)", address: $0.address, port: $0.port, user: $0.user ?? host.user) }
            + [Hop(label: host.name, address: host.address, port: host.port, user: host.user)]
        var handles: [SSHSessionHandle] = []
        var warnings: [String] = []
        do {
            for hop in hops {
                let deadline = Deadline.after(options.connectTimeoutSeconds)
                let transport: SessionTransport
                if let parent = handles.last {
                    transport = try TunnelTransport(through: parent, to: hop.address, port: hop.port, deadline: deadline)
                } else {
                    transport = SocketTransport(descriptor: try TCPConnect.open(host: host.name, address: hop.address, port: hop.port, deadline: deadline, deadPeerSeconds: options.deadPeerSeconds))
                }
                let verifier = HostKeyVerifier(label: host.name, address: hop.address, port: hop.port,
                                               file: host.knownHostsFile ?? options.defaultKnownHostsFile, mode: host.hostKeyChecking)
                let handle = try SSHSessionHandle(label: host.name, hop: hop.label, transport: transport, parent: handles.last,
                                                  keepaliveSeconds: options.keepaliveSeconds, answerSeconds: options.deadPeerSeconds)
                handles.append(handle)
                handle.preferHostKeys(verifier.knownKeyTypes(session: handle.raw))
                do {
                    try handle.handshake(deadline: deadline)
                    if let warning = try verifier.verify(session: handle.raw) {
                        warnings.append(warning)
                        options.onWarning?(host.name, warning)
                    }
                    try SSHAuthenticator(label: host.name, user: hop.user, identityFiles: host.identityFiles,
                                         passwordEnv: host.passwordEnv, environment: options.environment,
                                         useAgent: options.useAgent, askPassphrase: options.askPassphraseOnTerminal).authenticate(handle, deadline: deadline)
                } catch var error as TransportError where hop.label != host.name {
                    error.message = "\(hop.label): \(error.message)"
                    throw error
                }
            }
        } catch {
            close(handles)
            throw error
        }
        return SessionChain(handles: handles, warnings: warnings)
    }

    func sendKeepalives() {
        for handle in handles { handle.sendKeepalive() }
    }

    func close() { SessionChain.close(handles) }

    /// Innermost first: a tunnel's channel must go before the session it runs on.
    private static func close(_ handles: [SSHSessionHandle]) {
        for handle in handles.reversed() { handle.close() }
    }
}
