import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistCLI

/// A deployment's console whose stdout is a pipe nobody reads until `readBack()` (a pager
/// left on a page, a terminal paused with Ctrl-S), and whose stderr is a file.
final class UnreadConsole {
    let scratch: ScratchDirectory
    let console: Console
    private let readEnd: Int32
    private let writeEnd: Int32
    private let errDescriptor: Int32
    private var writeClosed = false

    init(_ label: String) throws {
        scratch = try ScratchDirectory(label)
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        (readEnd, writeEnd) = (ends[0], ends[1])
        errDescriptor = open(scratch.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(errDescriptor >= 0)
        console = Console(out: writeEnd, err: errDescriptor)
        console.outputIsBestEffort = true
    }

    deinit {
        if !writeClosed { close(writeEnd) }
        close(readEnd)
        close(errDescriptor)
    }

    /// The reader comes back: what stdout held once everything queued was written, and stderr.
    func readBack() async throws -> (stdout: Data, stderr: String) {
        let received = Locked(Data())
        let readEnd = self.readEnd
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
        close(writeEnd)
        writeClosed = true
        #expect(await eventually(within: 120) { received.current.count > 0 && !reader.isExecuting })
        return (received.current, try String(contentsOfFile: scratch.file("stderr"), encoding: .utf8))
    }
}
