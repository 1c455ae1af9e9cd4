import Foundation
import HoistCore
import HoistEngine
import Testing
@testable import HoistCLI

/// Plain output (cron, CI): a notice on stderr carries its time once, like every other line.
@Suite struct PlainNoticeTests {
    @Test func aNoticeIsStampedOnce() throws {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        try #require(pipe(&out) == 0 && pipe(&err) == 0)
        let console = Console(out: out[1], err: err[1])
        let reporter = PlainReporter(console: console)
        reporter.handle(.notice(.rollbackStarting(failed: "d-FAILED001", to: "d-GOOD00001", revision: "app-1.tgz",
                                                  hosts: ["h006"], configNote: nil)))
        reporter.handle(.notice(.rollbackFinished(id: "d-ROLLBK001", status: .succeeded)))
        close(out[1])
        close(err[1])
        defer { close(out[0]); close(err[0]) }
        let lines = try readAll(err[0]).split(separator: "\n").map(String.init)
        let stamp = #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#
        #expect(lines.count == 2, "\(lines)")
        for (line, words) in zip(lines, ["hoist: rolling back d-FAILED001 to d-GOOD00001 (app-1.tgz) on h006", "hoist: rollback d-ROLLBK001 succeeded"]) {
            #expect(line.range(of: "^\(stamp) \(NSRegularExpression.escapedPattern(for: words))$", options: .regularExpression) != nil,
                    "one stamp, then the notice: \(line)")
        }
    }

    private func readAll(_ descriptor: Int32) throws -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(descriptor, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            try #require(n >= 0)
            if n == 0 { return String(decoding: data, as: UTF8.self) }
            data += buffer[0..<n]
        }
    }
}
