/// Why a file's text is not UTF-8 text, in words that say which encoding Hoist expects. Files
/// are decoded as UTF-8 with U+FFFD for bytes that are not, so this reads the decoded text: a
/// file saved as UTF-16 (Windows' "Unicode") shows NULs between its letters or a byte order
/// mark turned into U+FFFD, one saved as Latin-1 shows U+FFFD where its accented letters
/// were. "Not a text file" alone left people looking at a file their editor showed fine.
/// Inventories, playbooks and AppSpecs all go through it.
public enum TextEncodingCheck {
    public struct Problem: Sendable {
        public var line: Int?
        public var message: String
        public var hint: String
    }

    /// `what` says what the file should be, for the hint ("an inventory: YAML, or …").
    public static func problem(_ text: String, what: String) -> Problem? {
        let bytes = Array(text.utf8.prefix(200))
        let nul = text.utf8.contains(0)
        let replacement: Unicode.Scalar = "\u{FFFD}"
        guard nul || text.unicodeScalars.contains(replacement) else { return nil }
        if looksLikeUTF16(bytes) {
            return Problem(line: nil, message: "this file looks like UTF-16 text; Hoist reads UTF-8",
                           hint: "save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8")
        }
        if nul {
            return Problem(line: nil, message: "this is not a text file (it holds NUL bytes)", hint: "name \(what), saved as UTF-8")
        }
        let line = TextLines.lines(text).firstIndex { $0.unicodeScalars.contains(replacement) }.map { $0 + 1 }
        return Problem(line: line, message: "this line holds bytes that are not UTF-8; Hoist reads UTF-8 text",
                       hint: "save the file as UTF-8 (from Latin-1: iconv -f LATIN1 -t UTF-8)")
    }

    /// A UTF-16 byte order mark (FF FE or FE FF, each byte decoded as U+FFFD), or NULs in
    /// every other byte, as ASCII text in UTF-16 has.
    private static func looksLikeUTF16(_ bytes: [UInt8]) -> Bool {
        let mark: [UInt8] = [0xEF, 0xBF, 0xBD, 0xEF, 0xBF, 0xBD]
        if bytes.starts(with: mark) { return true }
        guard bytes.count >= 4 else { return false }
        let even = stride(from: 0, to: bytes.count - 1, by: 2).map { bytes[$0] }
        let odd = stride(from: 1, to: bytes.count, by: 2).map { bytes[$0] }
        return (odd.allSatisfy { $0 == 0 } && !even.contains(0)) || (even.allSatisfy { $0 == 0 } && !odd.contains(0))
    }
}
