import HoistDigest
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
