import HoistCore
import Testing

/// Files saved on Windows (CRLF, a UTF-8 byte order mark) read as the same lines as the same
/// file saved on Linux: OpenSSH, Ansible and CodeDeploy's agent all accept them.
@Suite struct TextLinesTests {
    @Test(arguments: ["a\nb\n\nc", "a\r\nb\r\n\r\nc", "a\rb\r\rc", "\u{FEFF}a\r\nb\n\rc"])
    func everyLineEndingEndsALine(_ text: String) {
        #expect(TextLines.lines(text) == ["a", "b", "", "c"])
    }

    @Test func aFinalLineEndingLeavesAnEmptyLastLineAsSplitDoes() {
        #expect(TextLines.lines("a\r\n") == ["a", ""])
        #expect(TextLines.lines("") == [""])
    }

    @Test func onlyALeadingByteOrderMarkIsDropped() {
        #expect(TextLines.withoutByteOrderMark("\u{FEFF}version: 0.0\n") == "version: 0.0\n")
        #expect(TextLines.withoutByteOrderMark("a\u{FEFF}b") == "a\u{FEFF}b")
        #expect(TextLines.lines("x\n\u{FEFF}y") == ["x", "\u{FEFF}y"])
        // A mark followed by a combining character is still one scalar to drop.
        #expect(TextLines.withoutByteOrderMark("\u{FEFF}\u{301}e") == "\u{301}e")
    }
}
