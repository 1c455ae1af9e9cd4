import HoistCore
import Testing
@testable import HoistSSH

/// What the receiving command's answer means. A connection lost after the last byte went out
/// was reported as "checksum mismatch: the host received nothing", about the temporary file:
/// an adversarial run cut a host's link as its upload ended.
@Suite struct UploadVerdictTests {
    let digest = String(repeating: "ab", count: 32)

    func verdict(_ answer: ChannelEnding, status: Int32 = 0) -> Result<String, TransportError> {
        Uploader.verdict(answer, status: status, expected: digest, sent: 300 << 20, localPath: "/tmp/b.tar",
                         remotePath: "/var/lib/hoist/x/bundle.tar", host: "h006")
    }

    @Test func anAnswerCutShortIsTheConnectionsFailureNotAChecksumMismatch() {
        let lost = TransportError(host: "h006", kind: .closed,
                                  message: "the connection to h006 was lost while reading command output (transport read, libssh2 error -43)")
        guard case .failure(let error) = verdict(ChannelEnding(stdout: "", stderr: "", failure: lost), status: -1) else {
            Issue.record("an answer that never came was taken as a success")
            return
        }
        #expect(error.isUnreachable, "a lost connection is HostUnreachable: \(error)")
        #expect(error.message == "sent 314572800 bytes of /tmp/b.tar to /var/lib/hoist/x/bundle.tar, then no answer with the host's digest came: "
                    + "the connection to h006 was lost while reading command output (transport read, libssh2 error -43)")
        let silent = TransportError(host: "h006", kind: .timeout, message: "the host did not finish its answer within 60 s")
        guard case .failure(let timeout) = verdict(ChannelEnding(stdout: "", stderr: "", failure: silent), status: -1) else {
            Issue.record("an answer cut short by a silent host was taken as a success")
            return
        }
        #expect(timeout.isUnreachable && !timeout.message.contains("checksum"), "\(timeout)")
    }

    @Test func aWrongDigestIsAMismatchAboutTheTarget() {
        guard case .failure(let error) = verdict(ChannelEnding(stdout: "motd\ncd" + digest.dropFirst(2) + "  -", stderr: "", failure: nil), status: 1) else {
            Issue.record("a wrong digest was accepted")
            return
        }
        #expect(!error.isUnreachable)
        #expect(error.message.hasPrefix("uploading /tmp/b.tar to /var/lib/hoist/x/bundle.tar failed: checksum mismatch: the host received cd"), "\(error)")
    }

    @Test func theDigestOnTheLastLineIsASuccess() throws {
        #expect(try verdict(ChannelEnding(stdout: "welcome\n\(digest)  -", stderr: "", failure: nil)).get() == digest)
        // The whole answer came; only the channel's close then failed.
        let late = TransportError(host: "h006", kind: .closed, message: "lost")
        #expect(try verdict(ChannelEnding(stdout: digest, stderr: "", failure: late)).get() == digest)
    }
}
