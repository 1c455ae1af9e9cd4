import HoistCore

/// Every "host" is this machine, reached through a `LocalHostSession` (`/bin/sh -c`) instead
/// of SSH, so the install and hook programs are exactly the ones a remote host runs. Backs
/// `hoist local`, and engine tests whose hosts are temporary folders.
public struct LocalConnector: HostConnector {
    public init() {}
    public func connect(_ host: HostSpec) async throws -> any HostSession {
        LocalHostSession(host: host)
    }
}

