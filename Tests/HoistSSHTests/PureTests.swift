import Crypto
import Foundation
@testable import HoistSSH
import Testing

@Suite("SSH adapter helpers")
struct PureTests {
    @Test func linesAreSplitAndDecodedOncePerLine() {
        var splitter = LineSplitter()
        var lines: [String] = []
        let bytes: [UInt8] = Array("caf".utf8) + [0xC3]
        bytes.withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        ([0xA9, 0x0A, 0x61, 0xFF, 0x0A, 0x62] as [UInt8]).withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        splitter.finish { lines.append($0) }
        #expect(lines == ["café", "a\u{FFFD}", "b"])
    }

    @Test func theWrapperReportsTheGroupAndQuotesTheCommand() {
        let wrapped = RemoteCommandWrapper.wrap("echo 'hi'")
        #expect(wrapped == #"printf '%s%s\n' HOIST-PGID: "$$" >&2; exec sh -c 'echo '\''hi'\'''"#)
        #expect(RemoteCommandWrapper.processGroup(fromMarker: "HOIST-PGID:4242") == 4242)
        #expect(RemoteCommandWrapper.processGroup(fromMarker: "something else") == nil)
        #expect(RemoteCommandWrapper.killGroup(42, signal: "TERM") == "kill -TERM -42 2>/dev/null; true")
    }

    @Test func fingerprintsMatchOpenSSHsFormat() {
        let blob = Data("key".utf8)
        let expected = Data(SHA256.hash(data: blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(KnownHostsFile.fingerprint(ofKeyBlob: blob) == "SHA256:" + expected)
        #expect(!KnownHostsFile.fingerprint(ofKeyBlob: blob).hasSuffix("="))
    }

    @Test func lineNumbersAreFoundForPlainPortAndHashedEntries() {
        let salt = Data((0..<20).map { UInt8($0) })
        let hash = Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data("[10.0.0.5]:2222".utf8), using: SymmetricKey(data: salt)))
        let text = """
            # comment
            other.example ssh-ed25519 AAAA
            web1,10.0.0.4 ssh-ed25519 BBBB
            |1|\(salt.base64EncodedString())|\(hash.base64EncodedString()) ssh-ed25519 CCCC
            """
        let file = KnownHostsFile(text: text)
        #expect(file.lineNumber(address: "10.0.0.4", port: 22, keyType: "ssh-ed25519", keyBase64: "BBBB") == 3)
        #expect(file.lineNumber(address: "10.0.0.5", port: 2222, keyType: "ssh-ed25519", keyBase64: "CCCC") == 4)
        #expect(file.lineNumber(address: "10.0.0.5", port: 2222, keyType: "ssh-rsa", keyBase64: "CCCC") == nil)
    }

    @Test func hostKeyPreferenceStartsWithKnownTypes() {
        #expect(HostKeyType.methodPreference(known: []).hasPrefix("ssh-ed25519,ecdsa-sha2-nistp256"))
        #expect(HostKeyType.methodPreference(known: [.rsa]).hasPrefix("rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-ed25519"))
    }
}
