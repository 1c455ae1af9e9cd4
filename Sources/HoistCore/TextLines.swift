/// The lines of a file a person wrote (an inventory, an ssh_config, known_hosts, YAML), read
/// as the tools Hoist stands in for read them, whatever editor saved it: a line ends at LF,
/// CRLF or a lone CR (YAML's line breaks, and Python's, which Ansible uses), and a UTF-8 byte
/// order mark at the start of the file is not text. Every reader of such a file splits it
/// here: `split(separator: "\n")` on a String misses CRLF, which is one `Character`, so a
/// file saved on Windows read as a single line.
public enum TextLines {
    /// U+FEFF, which Windows editors write as the first bytes (EF BB BF) of a UTF-8 file.
    public static let byteOrderMark: Unicode.Scalar = "\u{FEFF}"

    /// The lines of `text`, without their line endings or a leading byte order mark. As
    /// `split(omittingEmptySubsequences: false)`: a final line ending leaves an empty last line.
    public static func lines(_ text: String) -> [Substring] {
        withoutByteOrderMark(text[...]).split(omittingEmptySubsequences: false, whereSeparator: isLineEnding)
    }

    /// `text` without a leading byte order mark (one anywhere else is left alone).
    public static func withoutByteOrderMark(_ text: String) -> String {
        text.unicodeScalars.first == byteOrderMark ? String(withoutByteOrderMark(text[...])) : text
    }

    static func withoutByteOrderMark(_ text: Substring) -> Substring {
        text.unicodeScalars.first == byteOrderMark ? Substring(text.unicodeScalars.dropFirst()) : text
    }

    /// LF, CRLF (one `Character`) or a lone CR. A Character never holds LF or CR with other
    /// scalars than this pair, so comparing whole Characters is enough.
    static func isLineEnding(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n" || character == "\r"
    }
}
