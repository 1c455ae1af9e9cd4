import CLibSSH2
import Foundation
import HoistCore
@testable import HoistSSH
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// libssh2 1.10 keeps a 35 KB write buffer and a 16 KiB read buffer in each session. An
/// upload's packets fill the first, a burst of output the second, and at a thousand hosts the
/// pages they touched were about 16 MB that stayed resident to the end. Against a real sshd:
/// the pages go back when the session's next command starts (write) or it reads into an emptied
/// buffer (read), and the session goes on working.
@Suite("Packet buffer pages against a real sshd")
struct PacketBufferPagesTests {
    let sshd = LocalSSHD.shared

    /// Resident whole pages strictly inside [low, high), rounded as the shim rounds them.
    static func residentPages(_ low: UInt, _ high: UInt) -> Int {
        let first = hoist_page_up(low), end = hoist_page_down(high)
        guard end > first else { return 0 }
        var resident = [UInt8](repeating: 0, count: Int((end - first) / hoist_page_size()))
        guard mincore(UnsafeMutableRawPointer(bitPattern: first), Int(end - first), &resident) == 0 else { return -1 }
        return resident.filter { $0 & 1 != 0 }.count
    }

    @Test(.timeLimit(.minutes(2)))
    func anUploadsPacketsGiveTheirPagesBackWhenTheNextCommandStarts() async throws {
        let session = try #require(try await LocalSSHD.connector().connect(sshd.host()) as? SSHHostSession)
        defer { Task { await session.close() } }
        let bytes = [UInt8](repeating: 0x5A, count: 256 << 10)
        let afterUpload = try await session.onThread { handle in
            let channel = try SSHChannel(exec: "cat > /dev/null", on: handle, deadline: .after(30))
            defer { channel.free() }
            try bytes.withUnsafeBytes { try channel.writeAll($0, deadline: .after(60)) }
            try channel.sendEOF(deadline: .after(60))
            _ = channel.readToEnd()
            let buffers = try #require(handle.packetBuffers)
            return (span: buffers.sent_high - buffers.sent_low,
                    resident: Self.residentPages(buffers.sent_low, buffers.sent_high))
        }
        #expect(afterUpload.span >= UInt(SSHChannel.largestWrite), "16 KiB packets went through the buffer: \(afterUpload.span)")
        #expect(afterUpload.resident >= 3, "the control: they are resident until the next command")

        let (result, out, _) = try await session.capture("echo still here")
        #expect(result.exitStatus == 0 && out == "still here")
        let after = try await session.onThread { handle in
            let buffers = try #require(handle.packetBuffers)
            #expect(buffers.confused == 0)
            // The command's own packets touch the buffer again as far as `sent_high`; nothing
            // past it was written since the pages went back.
            return (span: buffers.sent_high - buffers.sent_low,
                    resident: Self.residentPages(buffers.sent_high, hoist_page_up(buffers.sent_low + UInt(afterUpload.span))))
        }
        #expect(after.span < afterUpload.span, "the pages went back when the command started: \(after.span)")
        #expect(after.resident == 0, "\(after.resident) pages of the upload's packets still resident")
    }

    @Test(.timeLimit(.minutes(2)))
    func aBurstOfOutputGivesItsPagesBackAtTheNextReadIntoAnEmptyBuffer() async throws {
        let session = try #require(try await LocalSSHD.connector().connect(sshd.host()) as? SSHHostSession)
        defer { Task { await session.close() } }
        let (big, bigOut, _) = try await session.capture("yes 0123456789abcdef | head -c 262144")
        #expect(big.exitStatus == 0 && bigOut.count > 200_000)
        let (result, out, _) = try await session.capture("echo still here")
        #expect(result.exitStatus == 0 && out == "still here")
        let after = try await session.onThread { handle in
            let buffers = try #require(handle.packetBuffers)
            #expect(buffers.confused == 0)
            // Reads since the pages last went back reached `read_high`; nothing past it was
            // written since (a busy machine may leave a last burst of any size).
            return (releases: buffers.read_releases,
                    resident: Self.residentPages(buffers.read_high, buffers.read_low + 16 << 10))
        }
        #expect(after.releases > 0, "the output came in bursts of more than two pages, each given back")
        #expect(after.resident == 0, "\(after.resident) pages of the read buffer past the last reads still resident")
    }
}
