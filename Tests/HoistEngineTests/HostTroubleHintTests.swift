import Testing
@testable import HoistEngine

/// A host's own error text about a full disk, or sudo's refusal, gets a hint that names the
/// cause, once.
@Suite struct HostTroubleHintTests {
    @Test func aFullDiskIsNamed() {
        let raw = "sh: 15: printf: printf: I/O error"
        let hinted = HostDeployment.StepResult.failed(.unknownError, raw).message ?? ""
        #expect(hinted == raw + " (the host could not write: check its free space and quota, `df -h` and `df -i` on it)")
        #expect(HostTroubleHint.suffix(for: hinted) == "", "said once, however many layers pass it on")
        #expect(HostTroubleHint.suffix(for: "tar: x: Cannot open: Read-only file system").contains("read-only"))
        #expect(HostTroubleHint.suffix(for: "Script at specified location: a.sh failed with exit code 1") == "")
    }

    /// `become` refused by sudo's settings: the hint names the setting and its fix.
    @Test func sudoRefusingBecomeNamesTheSetting() {
        #expect(HostTroubleHint.suffix(for: "sudo: a password is required").contains("NOPASSWD"))
        #expect(HostTroubleHint.suffix(for: "sudo: sorry, you must have a tty to run sudo").contains("!requiretty"))
        #expect(HostTroubleHint.suffix(for: "hoist is not in the sudoers file.  This incident will be reported.").contains("allowed"))
    }
}
