/// What a user name or an address from a file must not hold: they reach `su`, ssh and log
/// lines, and a value that starts with `-` or holds a space is read there as an option or as
/// two words. Such a value failed only when connecting (exit 5, no line named), or ran a hook
/// as root (`runas: "-"`). Names from a directory service (`alice@example.com`,
/// `EXAMPLE\alice`) and IPv6 addresses pass.
enum NameChecks {
    /// Why `user` cannot be a user name, or nil.
    static func userProblem(_ user: String) -> String? {
        if let problem = wordProblem(user) { return problem }
        if let bad = user.first(where: { ";|&<>()$`'\"*?[]{}#!~=,:/".contains($0) }),
           !(bad == "$" && user.last == "$" && user.filter({ $0 == "$" }).count == 1) {
            return "it holds '\(bad)'"
        }
        return nil
    }

    /// Why `address` cannot be a host's address (an IP address or a DNS name), or nil.
    static func addressProblem(_ address: String) -> String? {
        if let problem = wordProblem(address) { return problem }
        if let bad = address.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber || ".-:_%[]".contains($0))) }) {
            return "it holds '\(bad)', which no IP address or DNS name does"
        }
        return nil
    }

    /// A leading dash, a space or a control character.
    private static func wordProblem(_ text: String) -> String? {
        if text.hasPrefix("-") { return "it starts with '-', which would be read as an option" }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            return "it holds \(bad.properties.isWhitespace ? "a space" : "a control character") (U+\(String(bad.value, radix: 16, uppercase: true)))"
        }
        return nil
    }
}
