/// A host program's error output cut to what a reader takes in. A tar that fails on every
/// file of a large revision (a full disk) prints a line per file, and all of them went into
/// the host's message, its history record and the terminal: 150 kB for 1,000 files.
public enum ErrorExcerpt {
    /// `text` whole when it has at most `maxLines` lines; else its first lines and its last
    /// two (where a program says how it ended), with how many were left out between.
    public static func of(_ text: String, maxLines: Int = 12) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > max(maxLines, 3) else { return text }
        let head = lines.prefix(max(maxLines, 3) - 3)
        let tail = lines.suffix(2)
        return (head + ["… \(lines.count - head.count - tail.count) more lines …"] + tail).joined(separator: "\n")
    }
}
