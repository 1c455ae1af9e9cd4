import Foundation
import HoistCore

/// The end of a deployment's record. The group's lock stays held until the history holds the
/// whole record, so that the group's next deployment does not find this one still running
/// there and mark it Failed (FAILED_AFTER_RESTART). With a shared store out of reach that
/// wait lasts as long as the outage (up to its limit): it is announced, and a stop (Ctrl-C)
/// gives it up, leaving the record incomplete rather than holding the lock on.
extension Deployment {
    /// How long the record may take before the wait is announced.
    static let recordWaitNotice: Duration = .seconds(3)

    /// Waits for `recorder` to have written everything; returns the writes that failed, and
    /// whether the wait was given up.
    func waitForRecord(_ recorder: HistoryRecorder, id: DeploymentID, status: DeploymentStatus,
                       observer: any DeploymentObserver) async -> (failures: [String], givenUp: Bool) {
        let before = stop.level
        let (ends, end) = AsyncStream.makeStream(of: Bool.self)
        Task {
            await recorder.flush()
            end.yield(true)
        }
        let stopping = Task { [stop] in
            if await stop.wait(above: before) > before, !Task.isCancelled { end.yield(false) }
        }
        let telling = Task {
            try? await Task.sleep(for: Self.recordWaitNotice)
            if !Task.isCancelled { observer.handle(.notice(.waitingForHistory(deploymentID: id.rawValue, status: status))) }
        }
        var iterator = ends.makeAsyncIterator()
        let written = await iterator.next() ?? true
        stopping.cancel()
        telling.cancel()
        guard written else {
            // The recorder's queue is still held by the write that waits for the store: its
            // failures cannot be read, and the rest of the record is not written.
            return (["the history store did not answer, and the wait for it was stopped: the record ends before the deployment did"], true)
        }
        return (recorder.failures, false)
    }
}
