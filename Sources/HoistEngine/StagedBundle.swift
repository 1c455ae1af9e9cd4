import Foundation
import HoistCore
import HoistPlanning

/// A host's probe and bundle upload, started before the host's turn while earlier hosts run
/// their hooks (OneAtATime, batches and sliding windows), so that the turn does not wait for
/// the upload: on a LAN that is a tenth of a second per host in a row of hosts, on a slow
/// link much more. Nothing here touches the application: the probe prepares Hoist's own
/// folders and reads what the host holds, and the bundle lands where DownloadBundle would put
/// it; DownloadBundle still verifies and unpacks it in the host's turn. Whatever fails here
/// is done again in the turn, which reports its error as usual.
final class StagedBundle: Sendable {
    private let probed: Task<(HostDeployment, HostProbeResult), any Error>
    private let connector: any HostConnector
    /// What was sent, once the bundle is at the deployment's upload target (nil: not needed,
    /// because the host holds it already, or not done).
    let uploaded: Task<String?, Never>

    init(host: HostSpec, context: DeploymentContext, connector: any HostConnector,
         observer: any DeploymentObserver, stop: StopController) {
        self.connector = connector
        let probed = Task<(HostDeployment, HostProbeResult), any Error> {
            let deployment = HostDeployment(host: host, session: try await connector.connect(host), context: context,
                                            observer: observer, stop: stop)
            do {
                return (deployment, try await deployment.runProbe())
            } catch {
                await deployment.session.close()
                throw error
            }
        }
        self.probed = probed
        uploaded = Task {
            guard let (deployment, found) = try? await probed.value else { return nil }
            var sent: String?
            if !Task.isCancelled, stop.level < .graceful, deployment.reusableBundle(found) == nil {
                sent = try? await deployment.sendBundle(reportingProgress: false, probe: found)
            }
            // A pooled session ignores this; a connector without a pool gave this one to us.
            await deployment.session.close()
            return sent
        }
    }

    /// What the probe found, nil when it failed (the host's turn probes again).
    var probe: HostProbeResult? {
        get async { try? await probed.value.1 }
    }

    /// Stops the probe and the upload (an upload stops between writes and leaves no partial
    /// file); `uploaded` is then nil unless it had finished.
    func cancel() {
        probed.cancel()
        uploaded.cancel()
    }

    /// Stops what is still running and waits for it, so no session is used after it closes.
    func cancelAndWait() async {
        cancel()
        _ = await uploaded.value
    }

    /// For a host whose turn never came (a stop, a failed deployment): waits for what runs,
    /// then removes what the probe and the upload left, so the skipped host keeps nothing of
    /// the deployment.
    func discard() async {
        await cancelAndWait()
        guard let (deployment, _) = try? await probed.value,
              let session = try? await connector.connect(deployment.host) else { return }
        _ = try? await session.capture(deployment.commands.discardDeployment, timeoutSeconds: 60)
        await session.close()
    }
}
