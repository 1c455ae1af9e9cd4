/// The one function that turns a value into a word for a POSIX shell. Every value that
/// reaches a remote shell (paths, environment values, user names, script locations) passes
/// through here, so that no input can break out of its word.
///
/// Single quotes protect everything but a single quote, which is written as `'\''`. Plain
/// words made of safe characters are left bare so that rendered commands stay readable.
public func shellQuote(_ value: String) -> String {
    if !value.isEmpty, value.utf8.allSatisfy(isShellSafe) { return value }
    var out = "'"
    for ch in value.unicodeScalars {
        if ch == "'" { out += "'\\''" } else { out.unicodeScalars.append(ch) }
    }
    out += "'"
    return out
}

/// Quotes each word and joins them with spaces: an argv rendered for `sh -c`.
public func shellJoin(_ words: [String]) -> String {
    words.map(shellQuote).joined(separator: " ")
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
