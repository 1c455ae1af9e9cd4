import Foundation
import HoistCore
import HoistEngine
import Testing
@testable import HoistCLI

/// The live view's line for a wait: what the deployment waits for, what ends the wait, and
/// the time left, counting down at each redraw; gone once hosts deploy again.
@Suite struct WaitLineTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func aZoneBakeCountsDownAndEndsWhenTheNextZoneStarts() {
        let progress = DeploymentProgress()
        progress.record(.notice(.zoneBaking(zone: "b", seconds: 300, until: start.addingTimeInterval(300))), now: start)
        #expect(progress.waitLine(now: start.addingTimeInterval(47))
                == "waiting: zone b bakes; the next zone starts in 4m13s; a stop or an alarm ends it early")
        #expect(progress.waitLine(now: start.addingTimeInterval(400))?.contains("starts in 0.0s") == true, "never negative")
        progress.record(.hostStarted(host: "c1", time: start.addingTimeInterval(300)))
        #expect(progress.waitLine(now: start.addingTimeInterval(301)) == nil)
    }

    @Test func theReadyWaitSaysWhichCommandEndsItAndWithinHowLong() {
        let progress = DeploymentProgress()
        progress.record(.notice(.waitingForContinue(deploymentID: "d-ABCDEFGH1", seconds: 600, command: "hoist continue d-ABCDEFGH1 web.yml")),
                        now: start)
        #expect(progress.waitLine(now: start.addingTimeInterval(348))
                == "waiting: ready; run `hoist continue d-ABCDEFGH1 web.yml` within 4m12s, else traffic stays where it is")
        progress.record(.deploymentFinished(DeploymentVerdictSummary(
            id: "d-ABCDEFGH1", status: .stopped, errorCode: nil, message: nil, hostStatuses: [:], time: start)))
        #expect(progress.waitLine(now: start) == nil)
    }
}

extension WaitLineTests {
    @Test func aLockWaitNamesTheHolderAndWhenHoistGivesUp() {
        let progress = DeploymentProgress()
        let owner = LockOwner(user: "bob", machine: "ci-7", deploymentID: "d-HOLDER001", pid: 42, startTime: 0, command: "hoist deploy")
        let held = GroupLockHeld(groupID: "g", host: "h1", holder: owner, heartbeatAgeSeconds: 3)
        progress.record(.notice(.waitingForLock(held, until: start.addingTimeInterval(300))), now: start)
        #expect(progress.waitLine(now: start.addingTimeInterval(60))
                == "waiting: the lock is held by d-HOLDER001 (\(owner.holder)); it starts when that ends, or gives up in 4m00s (--lock-wait)")
    }

    @Test func theTerminationWaitCountsDown() {
        let progress = DeploymentProgress()
        progress.record(.notice(.terminationWait(fleet: "blue", seconds: 600, until: start.addingTimeInterval(600))), now: start)
        #expect(progress.waitLine(now: start.addingTimeInterval(30))
                == "waiting: the blue fleet is terminated in 9m30s; a stop ends the wait and leaves it running")
    }
}
