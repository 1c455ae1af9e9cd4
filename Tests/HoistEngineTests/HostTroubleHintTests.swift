import Testing
@testable import HoistEngine

/// A host's own error text about a full disk gets a hint that names the disk, once.
@Suite struct HostTroubleHintTests {
    @Test func aFullDiskIsNamed() {
        let raw = "sh: 15: printf: printf: I/O error"
        let hinted = HostDeployment.StepResult.failed(.unknownError, raw).message ?? ""
        #expect(hinted == raw + " (the host could not write: check its free space and quota, `df -h` and `df -i` on it)")
        #expect(HostTroubleHint.suffix(for: hinted) == "", "said once, however many layers pass it on")
        #expect(HostTroubleHint.suffix(for: "tar: x: Cannot open: Read-only file system").contains("read-only"))
        #expect(HostTroubleHint.suffix(for: "Script at specified location: a.sh failed with exit code 1") == "")
    }
}
