import Foundation
import HoistCore
import Testing

/// The local command runner the drivers (and `LocalShellSession`) stand on.
struct LocalShellTests {
    @Test func separatesStreamsAndPassesEnvironment() async throws {
        let (result, stdout, stderr) = try await LocalShell.capture(
            "echo \"out $GREETING\"; echo err >&2; printf 'no newline'; exit 4", environment: ["GREETING": "h'i"])
        #expect(result.exitStatus == 4)
        #expect(!result.succeeded)
        #expect(stdout == "out h'i\nno newline")
        #expect(stderr == "err")
    }

    @Test func aCommandPastItsDeadlineIsStoppedAndMarkedTimedOut() async throws {
        let (result, _, _) = try await LocalShell.capture("sleep 30", timeoutSeconds: 0.3)
        #expect(result.timedOut)
        #expect(result.signal == "TERM")
    }

    /// A daemon started by the command keeps the output pipes open; the command still ends
    /// when its own process does (this is how `haproxy -D` behaves).
    @Test func aBackgroundChildHoldingTheOutputDoesNotKeepTheCommandRunning() async throws {
        let (result, stdout, _) = try await LocalShell.capture("sleep 3 & echo started", timeoutSeconds: 60)
        #expect(result.exitStatus == 0)
        #expect(stdout == "started")
    }

    /// A descriptor of this process that is not marked close-on-exec (as other code may leave
    /// one) does not reach the command, nor a daemon it starts, which would hold it for life.
    @Test func theCommandGetsNoOtherDescriptorOfThisProcess() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let (result, stdout, _) = try await LocalShell.capture(
            "for fd in \(ends[0]) \(ends[1]); do [ -e /proc/$$/fd/$fd ] && echo \"$fd open\"; done; echo checked")
        #expect(result.exitStatus == 0)
        #expect(stdout == "checked")
    }
}
