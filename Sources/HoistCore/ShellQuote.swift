/// The one function that turns a value into a word for a POSIX shell. Every value that
/// reaches a remote shell (paths, environment values, user names, script locations) passes
/// through here, so that no input can break out of its word.
///
/// Single quotes protect everything but a single quote, which is written as `'\''`. Plain
/// words made of safe characters are left bare so that rendered commands stay readable.
public func shellQuote(_ value: String) -> String {
    if !value.isEmpty, value.utf8.allSatisfy(isShellSafe) { return value }
    // Byte by byte: a quote byte only ever stands for a quote in UTF-8, and whole hook programs
    // pass through here for every command, so appending scalar by scalar cost 4% of a
    // deployment's coordinator CPU.
    var out: [UInt8] = []
    out.reserveCapacity(value.utf8.count + 16)
    out.append(UInt8(ascii: "'"))
    for byte in value.utf8 {
        if byte == UInt8(ascii: "'") { out.append(contentsOf: escapedQuote) } else { out.append(byte) }
    }
    out.append(UInt8(ascii: "'"))
    return String(decoding: out, as: UTF8.self)
}

/// A quote inside single quotes: end the quoted part, an escaped quote, start a new one.
private let escapedQuote: [UInt8] = Array("'\\''".utf8)

/// Quotes each word and joins them with spaces: an argv rendered for `sh -c`.
public func shellJoin(_ words: [String]) -> String {
    words.map(shellQuote).joined(separator: " ")
}

/// Whether `text` is nothing but words as `shellJoin` writes them (bare safe words and
/// single-quoted ones, one space apart). Such text means the same to every POSIX shell, bash
/// included, so it may run in a shell other than `sh` (the resident shell's bash).
public func isJoinedWords(_ text: Substring) -> Bool {
    let bytes = Array(text.utf8)
    let quote = UInt8(ascii: "'"), space = UInt8(ascii: " "), backslash = UInt8(ascii: "\\")
    var at = 0
    while at < bytes.count {
        if at > 0 {
            guard bytes[at] == space, at + 1 < bytes.count else { return false }
            at += 1
        }
        if bytes[at] == quote {
            // 'text' parts, joined by \' (the escaped quote between two parts).
            while true {
                at += 1
                while at < bytes.count, bytes[at] != quote { at += 1 }
                guard at < bytes.count else { return false }
                at += 1
                guard at + 1 < bytes.count, bytes[at] == backslash, bytes[at + 1] == quote,
                      at + 2 < bytes.count, bytes[at + 2] == quote else { break }
                at += 2
            }
        } else {
            let start = at
            while at < bytes.count, bytes[at] != space { guard isShellSafe(bytes[at]) else { return false }; at += 1 }
            guard at > start else { return false }
        }
    }
    return !bytes.isEmpty
}

private func isShellSafe(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"),
        UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "@"),
        UInt8(ascii: "%"):
        return true
    default:
        return false
    }
}
