import Foundation
import HoistCore

/// The lock's lease and heartbeat, from `HOIST_LOCK_LEASE` and `HOIST_LOCK_HEARTBEAT`. A
/// heartbeat that is not at least three times as frequent as the lease makes a running deployment's
/// lock look stale, so the next one would take it over and stop its hooks: such settings are
/// refused before anything is touched.
struct LockTiming: Equatable {
    static let defaultHeartbeatSeconds = 5.0
    static let shortestHeartbeatSeconds = 0.1

    var leaseSeconds: Int
    var heartbeatSeconds: Double

    var heartbeat: Duration { .milliseconds(Int64((heartbeatSeconds * 1000).rounded())) }

    /// The settings, or what is wrong with them.
    static func read(_ environment: [String: String]) -> Result<LockTiming, LockTimingProblem> {
        var timing = LockTiming(leaseSeconds: LockOwner.defaultLeaseSeconds, heartbeatSeconds: defaultHeartbeatSeconds)
        if let text = environment["HOIST_LOCK_LEASE"], !text.isEmpty {
            guard let lease = Int(text.trimmingCharacters(in: .whitespaces)), lease >= 1, Double(lease) <= LongestDuration.seconds else {
                return .failure(LockTimingProblem("HOIST_LOCK_LEASE='\(text)': must be a whole number of seconds, 1 or more and at most "
                    + "\(LongestDuration.described) (default \(LockOwner.defaultLeaseSeconds))"))
            }
            timing.leaseSeconds = lease
        }
        if let text = environment["HOIST_LOCK_HEARTBEAT"], !text.isEmpty {
            guard let beat = Double(text.trimmingCharacters(in: .whitespaces)), beat.isFinite, beat >= shortestHeartbeatSeconds,
                  beat <= LongestDuration.seconds else {
                return .failure(LockTimingProblem("HOIST_LOCK_HEARTBEAT='\(text)': must be a number of seconds, \(shortestHeartbeatSeconds) or more "
                    + "and at most \(LongestDuration.described) (default \(Int(defaultHeartbeatSeconds)))"))
            }
            timing.heartbeatSeconds = beat
        }
        // A third, not a half: a beat near half the lease raced the coordinator's own "no host
        // confirmed the lock" limit (it stopped itself), and let a teammate take the lock of a
        // live deployment whose end the history already held (`GoneLockHolder`).
        guard timing.heartbeatSeconds * 3 <= Double(timing.leaseSeconds) else {
            return .failure(LockTimingProblem(
                "the lock's heartbeat (\(BalancerText.seconds(timing.heartbeatSeconds)) s, HOIST_LOCK_HEARTBEAT) must be at most a third of its lease "
                    + "(\(timing.leaseSeconds) s, HOIST_LOCK_LEASE): otherwise the running deployment's lock looks stale between two "
                    + "heartbeats and the next deployment takes it over"))
        }
        return .success(timing)
    }

}

/// Why the lock's timing settings cannot be used, as a sentence.
struct LockTimingProblem: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
