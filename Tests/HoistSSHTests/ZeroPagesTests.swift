import Foundation
@testable import HoistSSH
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// libssh2 session structs are mostly zero-filled buffers; their zero pages go back to the
/// kernel, and the memory must read exactly as before.
@Suite("Zero pages")
struct ZeroPagesTests {
    @Test func onlyPagesOfZerosLeaveMemoryAndEveryByteReadsTheSame() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let count = 16 * page
        let mapping = try #require(mmap(nil, count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        #expect(mapping != MAP_FAILED)
        defer { munmap(mapping, count) }
        let bytes = mapping.assumingMemoryBound(to: UInt8.self)
        memset(mapping, 0x5A, count)  // every page resident
        memset(mapping, 0, count)
        bytes[3 * page + 17] = 1
        bytes[10 * page + page - 1] = 2

        // Give back a range that starts and ends inside pages: only whole pages inside it count.
        ZeroPages.giveBack(UnsafeMutableRawBufferPointer(start: mapping + 100, count: count - 200))

        var resident = [UInt8](repeating: 0, count: 16)
        #expect(mincore(mapping, count, &resident) == 0)
        let kept = (0..<16).filter { resident[$0] & 1 != 0 }
        #expect(kept == [0, 3, 10, 15])
        #expect(bytes[3 * page + 17] == 1 && bytes[10 * page + page - 1] == 2)
        #expect((0..<count).allSatisfy { bytes[$0] == 0 || $0 == 3 * page + 17 || $0 == 10 * page + page - 1 })
    }
}
