extension String {
    /// The text as both stores keep it: each NUL replaced by U+2400 (␀, the symbol for NUL).
    /// PostgreSQL's text cannot hold U+0000 (it refuses the whole statement that carries
    /// one), and GRDB hands SQLite a String as a C string, so a NUL ended the value there
    /// (`a\0b` read back as `a`). One rule for both stores keeps every text whole, shows where
    /// the NUL was, and reads the same from either. Hook output in the SQLite file is the one
    /// exception: it is stored as bytes and keeps its NUL (`StoredValues.wholeText`).
    public var storable: String {
        guard utf8.contains(0) else { return self }
        return String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\u{0}" ? "\u{2400}" : $0 }))
    }
}
