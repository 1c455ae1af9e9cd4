import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistCLI

/// A deployment's output whose reader stops reading (`| less` on a page, a terminal paused
/// with Ctrl-S): an adversarial run saw every host's hooks time out and the lock taken over,
/// because each output line waited for the reader.
@Suite struct ConsoleBacklogTests {
    @Test(.timeLimit(.minutes(5)))
    func aReaderThatStopsReadingHoldsNoWriterUpAndIsToldWhatItMissed() async throws {
        let scratch = try ScratchDirectory("hoist-backlog")
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let err = open(scratch.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(err >= 0)
        defer { close(err) }
        let console = Console(out: ends[1], err: err)
        console.outputIsBestEffort = true

        // Twice the backlog's limit, and far more than the pipe holds, with nobody reading:
        // each write returns (the test would hang here otherwise).
        let line = String(repeating: "x", count: 99)
        let lines = 2 * ConsoleBacklog.limit / 100
        for index in 0..<lines { console.out("\(index) \(line)", droppable: true) }
        console.err("the verdict")

        // The reader comes back.
        let received = Locked(Data())
        let readEnd = ends[0]
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { return }
                received.withLock { $0.append(contentsOf: buffer[0..<n]) }
            }
        }
        reader.start()
        console.drain()
        close(ends[1])
        #expect(await eventually(within: 120) { received.current.count > 0 && !reader.isExecuting })

        let shown = String(decoding: received.current, as: UTF8.self).split(separator: "\n")
        let stderr = try String(contentsOfFile: scratch.file("stderr"), encoding: .utf8)
        // What came first was kept, whole lines only, in order.
        #expect(shown.first == "0 \(line)")
        #expect(shown.allSatisfy { $0.hasSuffix(line) })
        #expect(shown.count < lines)
        let note = try #require(stderr.split(separator: "\n").first { $0.contains("of output not shown") })
        let dropped = Int(String(note.split(separator: " ")[1])) ?? -1
        // The verdict is never dropped; it follows the note.
        #expect(stderr.hasSuffix("the verdict\n"), "\(stderr)")
        #expect(shown.count + dropped == lines, "\(shown.count) shown, \(dropped) dropped of \(lines): \(note)")
        #expect(note.contains("`hoist logs` has every line"))
    }
}
