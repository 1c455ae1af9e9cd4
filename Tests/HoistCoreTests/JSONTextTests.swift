import Foundation
import Testing
import HoistCore

/// JSON strings written by hand: plain for Hoist's own formats, and as JSONSerialization
/// writes them where it used to (`--json`).
@Suite struct JSONTextTests {
    /// Every ASCII character, and text beyond it, as JSONSerialization writes them.
    static let hostile: [String] = {
        var ascii = ""
        for value in 0..<0x80 { ascii.unicodeScalars.append(Unicode.Scalar(value)!) }
        return [ascii, "", "plain text", "scripts/af.sh", "é€😀\u{2028}\u{85}\u{9b}", "a\"b\\c/d\u{8}\u{c}\n\r\t\u{1b}[2J", "\u{0}"]
    }()

    @Test(arguments: hostile)
    func foundationStyleIsJSONSerializationsBytes(_ text: String) throws {
        let data = try JSONSerialization.data(withJSONObject: [text])
        let expected = String(decoding: data, as: UTF8.self).dropFirst().dropLast()
        #expect(JSONText.quote(text, .foundation) == String(expected))
    }

    @Test(arguments: hostile)
    func plainStyleReadsBackAsTheSameText(_ text: String) throws {
        let quoted = JSONText.quote(text)
        let read = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        #expect(read == [text])
    }

    @Test func plainStyleLeavesSlashesAlone() {
        #expect(JSONText.quote("a/b\u{8}") == #""a/b\u0008""#)
        #expect(JSONText.quote("a/b\u{8}", .foundation) == #""a\/b\b""#)
    }
}
