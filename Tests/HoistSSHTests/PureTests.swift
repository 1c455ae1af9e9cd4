import Crypto
import Foundation
@testable import HoistSSH
import HoistTestSupport
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

    /// A 50 MB line without a newline (a `\r` progress bar) is held to the limit; the lines
    /// around it come through whole.
    @Test func aLongLineIsCappedAndSaysHowMuchWasLeftOut() {
        var splitter = LineSplitter()
        var lines: [String] = []
        let chunk = [UInt8](repeating: UInt8(ascii: "\r"), count: 1 << 20)
        ([0x61, 0x0A] as [UInt8]).withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        for _ in 0..<50 { chunk.withUnsafeBytes { splitter.feed($0) { lines.append($0) } } }
        ([0x0A, 0x62, 0x0A] as [UInt8]).withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        #expect(lines.count == 3)
        #expect(lines.first == "a" && lines.last == "b")
        #expect(lines[1].utf8.count < LineSplitter.defaultLimit + 100)
        #expect(lines[1].hasSuffix(" … [hoist: the next \(50 * (1 << 20) - LineSplitter.defaultLimit) bytes of this line are only in the host's log]"))
    }

    @Test func aCutLineEndsOnACharacterBoundary() {
        var splitter = LineSplitter(limit: 4)
        var lines: [String] = []
        Array("abcé€x\n".utf8).withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
        #expect(lines.first?.hasPrefix("abc … [hoist: the next ") == true, "\(lines)")
    }

    /// Random bytes in random chunks: lines under the limit come through exactly; none is ever
    /// longer than the limit and its note.
    @Test func splittingRandomChunksKeepsEveryShortLine() {
        var rng = SplitMix(state: 0x11E5_9117)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...3000, using: &rng)).map { _ in
                Int.random(in: 0..<8, using: &rng) == 0 ? UInt8(ascii: "\n") : UInt8.random(in: 0x20...0x7E, using: &rng)
            }
            var splitter = LineSplitter(limit: 64)
            var lines: [String] = []
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 1...200, using: &rng))
                bytes[start..<end].withUnsafeBytes { splitter.feed($0) { lines.append($0) } }
                start = end
            }
            splitter.finish { lines.append($0) }
            var expected = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if expected.last == "" { expected.removeLast() }
            #expect(lines.count == expected.count)
            for (got, want) in zip(lines, expected) {
                #expect(want.utf8.count > 64 ? got.hasPrefix(String(want.prefix(64))) : got == want)
            }
        }
    }

    @Test func processGroupMarkersFromHostileLines() {
        for line in ["HOIST-PGID:1", "HOIST-PGID:0", "HOIST-PGID:-7"] { #expect(RemoteCommandWrapper.processGroup(fromMarker: line) == nil) }
        var rng = SplitMix(state: 0x9610_0F)
        for _ in 0..<2000 {
            let line = Fuzzing.mutated("HOIST-PGID:4242", fragments: ["-", "1", " ", "\u{0}", "99999999999", "+"], using: &rng)
            if let group = RemoteCommandWrapper.processGroup(fromMarker: line) {
                #expect(group > 1, "\(line)")
                #expect(Int32(line.dropFirst("HOIST-PGID:".count)) == group, "\(line)")
            }
        }
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
