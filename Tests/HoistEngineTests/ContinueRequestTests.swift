import Foundation
import Testing
import HoistCore
import HoistPlanning
@testable import HoistEngine

/// `hoist continue` through the lock: written next to the lock on the hosts from any machine,
/// found by the waiting deployment's heartbeat; refused for a deployment that holds no lock.
@Suite struct ContinueRequestTests {
    @Test func aContinueRequestReachesTheHolderThroughItsHeartbeat() async throws {
        let fleet = try GroupLockFleet()
        let alice = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let (requests, found) = AsyncStream.makeStream(of: String.self)
        let heartbeat = alice.startHeartbeat(stop: StopController(), interval: .milliseconds(50), onContinue: { found.yield($0) })
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob", machine: "ci"))

        try await bob.requestContinue(deploymentID: "d-ALICE0001")
        let request = try await withinAMinute {
            var iterator = requests.makeAsyncIterator()
            return await iterator.next()
        }
        await heartbeat.finish()
        #expect(request?.contains("by bob@ci") == true, "\(request ?? "nothing")")
        #expect(request?.contains("through the lock on web") == true)
    }

    @Test func anUnknownOrFinishedDeploymentCannotBeContinued() async throws {
        let fleet = try GroupLockFleet()
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        // Nobody holds the lock: the deployment finished, or never existed.
        await #expect(throws: GroupLockError.self) { try await bob.requestContinue(deploymentID: "d-ALICE0001") }
        let alice = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        await #expect(throws: GroupLockError.self) { try await bob.requestContinue(deploymentID: "d-NOBODY001") }
        await alice.release()
    }

    @Test func theProgramsQuoteTheRequestAndAnswerWithMarkers() {
        let commands = GroupLockCommands(layout: HostLayout(root: "/opt/hoist", groupID: "app_prod"), become: false)
        let program = commands.requestContinue(deploymentID: "d-ALICE0001", request: "by eve'; rm -rf / #\nsecond line")
        #expect(program.contains(#"'by eve'\''; rm -rf / # second line'"#), "the request is one quoted line")
        #expect(program.contains(#">>"$d/continue""#))
        #expect(program.contains("continued 0"))
        #expect(commands.heartbeat(owner: GroupLockFleet.owner("d-ALICE0001")).contains("for f in stop continue"))
        let reply = GroupLockReply.parse("\u{1e}beat 0\n\u{1e}continue by bob\n\u{1e}stop graceful by eve\n")
        #expect(reply == GroupLockReply(outcome: .beat, stopRequests: ["graceful by eve"], continueRequests: ["by bob"]))
        // A line cut off after its key asks for nothing.
        let cut = GroupLockReply.parse("\u{1e}beat 0\n\u{1e}continue \n\u{1e}stop \n\u{1e}continue")
        #expect(cut == GroupLockReply(outcome: .beat))
    }
}
