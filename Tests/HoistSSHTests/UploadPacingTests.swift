import Foundation
import HoistCore
import HoistDigest
@testable import HoistSSH
import Testing

/// An upload does not run far ahead of a host that is not reading: sshd would hold (and
/// copy, as its buffer grows) everything up to the channel's window.
@Suite("Upload pacing against a real sshd")
struct UploadPacingTests {
    let sshd = LocalSSHD.shared

    @Test func theLimitGrowsWithTheRoundTripAndIsOffUntilOneIsKnown() throws {
        #expect(UploadPacing(roundTrip: nil) == nil)
        let lan = try #require(UploadPacing(roundTrip: 0.001))
        let wan = try #require(UploadPacing(roundTrip: 0.030))
        #expect(lan.limit > UploadPacing.floor && lan.limit < 600 << 10)
        #expect(wan.limit > 1 << 20, "30 ms at 32 MiB/s: about a MiB more")
    }

    /// A direct connection knows its round trip from the kernel, whatever the host is doing.
    @Test func aDirectConnectionKnowsItsRoundTrip() async throws {
        let session = try #require(try await LocalSSHD.connector().connect(sshd.host()) as? SSHHostSession)
        defer { Task { await session.close() } }
        let roundTrip = try await session.onThread { $0.transport.kernelRoundTripSeconds }
        #expect(roundTrip.map { $0 > 0 && $0 < 1 } == true, "\(String(describing: roundTrip))")
    }

    /// The host's command does not read at first. Paced, no more than the limit (and one write)
    /// is ever unread by it, whenever it starts reading (here after a second). Unpaced, 1.5 MiB
    /// go out before the test lets it read (a file the command waits for), and all of it but
    /// the pipe's 64 KiB stays unread: the control that shows the measure sees what pacing
    /// prevents. Either way every byte arrives.
    @Test(.timeLimit(.minutes(5)), arguments: [true, false])
    func aHostThatDoesNotReadHoldsNoMoreThanTheLimit(paced: Bool) async throws {
        let session = try #require(try await LocalSSHD.connector().connect(sshd.host()) as? SSHHostSession)
        defer { Task { await session.close() } }
        let bytes = (0..<(4 << 20)).map { _ in UInt8.random(in: 0...255) }
        let expected = HexText.encode(SHA256Hasher.hash(bytes))
        let cue = sshd.path("read-\(UUID().uuidString)")
        let waitForCue = "while [ ! -e \(shellQuote(cue)) ]; do sleep 0.05; done"
        let (largestUnread, received) = try await session.onThread { handle in
            let pacing = paced ? UploadPacing(roundTrip: 0) : nil
            let channel = try SSHChannel(exec: (paced ? "sleep 1" : waitForCue) + "; sha256sum", on: handle, deadline: .after(30))
            defer { channel.free() }
            var largestWindow = 0, largestUnread = 0
            try bytes.withUnsafeBytes { all in
                for start in stride(from: 0, to: all.count, by: 64 << 10) {
                    if start == 3 << 19 { _ = FileManager.default.createFile(atPath: cue, contents: nil) }
                    let chunk = UnsafeRawBufferPointer(rebasing: all[start..<min(start + (64 << 10), all.count)])
                    try channel.writeAll(chunk, deadline: .after(60), pacing: pacing)
                    largestUnread = max(largestUnread, channel.windowInUse(largest: &largestWindow))
                }
            }
            try channel.sendEOF(deadline: .after(60))
            return (largestUnread, channel.readToEnd().stdout)
        }
        #expect(received.hasPrefix(expected), "every byte arrived: \(received)")
        if paced {
            #expect(largestUnread <= UploadPacing.floor + SSHChannel.largestWrite, "\(largestUnread)")
        } else {
            // All but what the command's pipe holds (64 KiB) of those 1.5 MiB.
            #expect(largestUnread > 1 << 20, "unpaced, what went before the host read stays unread: \(largestUnread)")
        }
    }
}
