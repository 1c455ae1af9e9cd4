import Foundation
import HoistCore
import HoistPlanning

/// The free-space check between the probe and ApplicationStop: a host whose disk cannot hold
/// the bundle and the unpacked revision fails with its application still running, instead of
/// stopping it and then failing DownloadBundle with "No space left on device" (where a
/// rollback cannot unpack either). Install destinations are not checked: Install replaces the
/// previous revision's files there.
extension HostDeployment {
    /// Why this host cannot take the revision, or nil when it can or nobody knows: no
    /// DownloadBundle, no free figure from the probe, or retention's share not measured.
    func spaceRefusal(_ probe: HostProbeResult) async -> String? {
        guard context.events.contains(.downloadBundle), let free = probe.freeBytes else { return nil }
        let need = HostSpaceNeed(bundleBytes: reusableBundle(probe) == nil ? context.revision.sizeBytes : 0,
                                 unpackedBytes: context.revision.unpackedBytes)
        if need.fits(freeBytes: free) { return nil }
        // Only now, rarely: what retention removes at the start of DownloadBundle counts as free.
        guard let freed = await retentionWouldFree() else { return nil }
        let (total, overflow) = free.addingReportingOverflow(freed)
        if overflow || need.fits(freeBytes: total) { return nil }
        return need.refusal(folder: layout.groupDir, freeBytes: total, retentionFrees: freed)
    }

    private func retentionWouldFree() async -> Int64? {
        let program = commands.retentionSize(maxRevisions: context.maxRevisions)
        guard let (result, out, _) = try? await session.capture(program, timeoutSeconds: 300), result.succeeded else { return nil }
        let reply = RemoteProgram.replies(out.split(separator: "\n"), separator: "=").last { $0.key == "freed" }
        return reply.flatMap { HostSpaceReply.totalBytes(duLine: $0.value) }
    }

    /// Ends the host before its first event: every event Skipped, as when the probe fails.
    /// What an upload ahead of the turn left is removed: the disk is short already.
    func refuse(_ message: String, since start: Date) async -> HostOutcome {
        if let staged {
            await staged.cancelAndWait()
            _ = try? await session.capture(commands.discardDeployment, timeoutSeconds: 60)
        }
        let outcome = finish(notRun(message, since: start), error: (.unknownError, message))
        await writeHostRecord(outcome)
        return outcome
    }
}
