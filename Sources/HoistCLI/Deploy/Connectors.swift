// TEMPORARY until the SSH branch lands.
import HoistCore

struct PendingSSHConnector: HostConnector {
    func connect(_ host: HostSpec) async throws -> any HostSession {
        throw TransportError(host: host.name, kind: .protocolError, message: "the SSH transport is not built in yet")
    }
}

func makeConnector(for target: LoadedTarget) -> any HostConnector { PendingSSHConnector() }
