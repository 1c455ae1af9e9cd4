import HoistDigest
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
        #expect(wrapped == #"printf '%s%s\n' HOIST-PGID: "$$" >&2"# + "\necho 'hi'")
        #expect(RemoteCommandWrapper.processGroup(fromMarker: "HOIST-PGID:4242") == 4242)
        #expect(RemoteCommandWrapper.processGroup(fromMarker: "something else") == nil)
        #expect(RemoteCommandWrapper.killGroup(42, signal: "TERM") == "kill -TERM -42 2>/dev/null; true")
    }

    @Test func fingerprintsMatchOpenSSHsFormat() {
        let blob = Data("key".utf8)
        // python3: base64(hashlib.sha256(b"key").digest()), unpadded
        #expect(KnownHostsFile.fingerprint(ofKeyBlob: blob) == "SHA256:LHDhK3oGRvkiefQnx7OOczTY5Tic/xZ6HcMOc/gmtoM")
        #expect(!KnownHostsFile.fingerprint(ofKeyBlob: blob).hasSuffix("="))
    }

    @Test func lineNumbersAreFoundForPlainPortAndHashedEntries() {
        let salt = Data((0..<20).map { UInt8($0) })
        // python3: hmac.new(bytes(range(20)), b"[10.0.0.5]:2222", hashlib.sha1)
        let hash = Data(base64Encoded: "hW7hge8XWLBv0cG0pl8cz3E+/cQ=")!
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

/// The digests Hoist takes from OpenSSL's libcrypto, against published test vectors.
@Suite struct DigestVectorTests {
    @Test func sha256MatchesFIPS180Vectors() {
        #expect(HexText.encode(SHA256Hasher.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(HexText.encode(SHA256Hasher.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // One million "a", fed in uneven pieces as the uploader and bundle hashing do.
        let hasher = SHA256Hasher()
        var left = 1_000_000, piece = 1
        while left > 0 {
            let n = min(piece, left)
            hasher.update([UInt8](repeating: UInt8(ascii: "a"), count: n))
            left -= n
            piece = piece * 3 + 1
        }
        #expect(HexText.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacSHA1MatchesAKnownVector() {
        let code = HMACSHA1.code(key: Array("key".utf8), message: Array("The quick brown fox jumps over the lazy dog".utf8))
        #expect(HexText.encode(code) == "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9")
    }
}
