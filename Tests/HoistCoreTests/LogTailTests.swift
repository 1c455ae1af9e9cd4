import Foundation
import HoistCore
import Testing

/// The 4 KB tail of a failed hook's output that the deploy output and `hoist show` print.
struct LogTailTests {
    @Test func aChattyStdoutDoesNotPushOutTheStderrLineThatCameFirst() {
        // The streams come through separate pipes: the script's last stderr line can arrive
        // before its 300 stdout lines.
        var tail = LogTail()
        tail.append(.stderr, "giving up")
        for i in 0..<300 { tail.append(.stdout, "filler line \(i)") }
        tail.append(.stdout, "config check: listen port missing")
        let rendered = tail.rendered(indent: "  ")
        #expect(rendered.contains("  ! giving up"))
        #expect(rendered.last == "  | config check: listen port missing")
        #expect(rendered.first?.hasPrefix("  … ") == true && rendered.first?.hasSuffix(" earlier stdout lines left out") == true,
                "\(rendered.first ?? "")")
        #expect(tail.omittedStderrLines == 0 && tail.omittedStdoutLines > 0)
        #expect(tail.lines.reduce(0) { $0 + $1.text.utf8.count + 1 } <= LogTail.byteLimit)
    }

    @Test func bothStreamsChattyShareTheTailAndKeepTheirLastLines() {
        var tail = LogTail()
        for i in 0..<400 {
            tail.append(.stdout, "out \(i)")
            tail.append(.stderr, "err \(i)")
        }
        #expect(tail.lines.contains { $0.stream == .stdout && $0.text == "out 399" })
        #expect(tail.lines.last?.stream == .stderr && tail.lines.last?.text == "err 399")
        let out = tail.lines.filter { $0.stream == .stdout }.count, err = tail.lines.filter { $0.stream == .stderr }.count
        #expect(abs(out - err) <= 1, "\(out) stdout and \(err) stderr lines")
        #expect(tail.rendered(indent: "").first?.contains("stdout lines and ") == true)
    }

    @Test func oneStreamAloneGetsAllFourKilobytesAndTheNewestLineAlwaysStays() {
        var tail = LogTail()
        for i in 0..<1000 { tail.append(.stdout, "line \(i)") }
        let bytes = tail.lines.reduce(0) { $0 + $1.text.utf8.count + 1 }
        #expect(bytes <= LogTail.byteLimit && bytes > LogTail.byteLimit - 20)
        tail.append(.stderr, String(repeating: "x", count: 10_000))
        #expect(tail.lines.last?.text.count == 10_000, "a line longer than the limit is kept whole")
    }

    @Test func decodingKeepsTheCountsSoLaterLinesAreCutTheSameWay() throws {
        var tail = LogTail()
        for i in 0..<500 { tail.append(.stdout, "line \(i)") }
        let data = try JSONEncoder().encode(tail)
        var decoded = try JSONDecoder().decode(LogTail.self, from: data)
        #expect(decoded == tail)
        decoded.append(.stdout, "one more")
        tail.append(.stdout, "one more")
        #expect(decoded == tail)
    }
}
