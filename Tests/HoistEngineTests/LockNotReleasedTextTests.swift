import HoistCore
@testable import HoistEngine
import Testing

/// Locks left on hosts that went silent for the same reason are named once with that reason:
/// five frozen hosts repeated one long sentence five times.
@Suite struct LockNotReleasedTextTests {
    @Test func hostsWithOneReasonShareIt() {
        let why = "stopped answering: nothing came for 35 s"
        let notice = DeploymentNotice.lockNotReleased(["h1", "h2", "h3"].map { UnreleasedLock(host: $0, reason: why) } + [UnreleasedLock(host: "h4", reason: "refused")],
                                                      leaseSeconds: 120, release: "hoist lock release pb.yml")
        #expect(notice.description.hasPrefix("the lock stays on h1, h2, h3: \(why); h4: refused: it could not be removed there."), "\(notice.description)")
    }
}
