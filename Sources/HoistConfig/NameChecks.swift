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

    /// Why `name` cannot be a host's name, or nil. Names come back as `--hosts` terms
    /// (`redeploy` and `rollback` select the hosts a deployment recorded by name), so a name
    /// must match itself and nothing else in `HostPattern`'s language: not `a,b` (two terms),
    /// not `web*` or `h[1]` (globs), not `role=web` (a tag), not one starting with `!`, `&` or
    /// `~`. A control character forged lines in plain output (a newline, in cron mail).
    static func hostNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "it is empty" }
        if let problem = wordProblem(name) { return problem }
        if let first = name.first, "!&~".contains(first) { return "it starts with '\(first)', which --hosts reads as pattern syntax" }
        if let bad = name.first(where: { ",=*?[]\\".contains($0) }) { return "it holds '\(bad)', which --hosts reads as pattern syntax" }
        return nil
    }

    /// `text` as a message may show it: control characters as `\u{A}`, so a name cannot
    /// forge a line of its own error.
    static func shown(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A leading dash, a space or a control character.
    private static func wordProblem(_ text: String) -> String? {
        if text.hasPrefix("-") { return "it starts with '-', which would be read as an option" }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            return "it holds \(bad.properties.generalCategory == .control ? "a control character" : "a space") (U+\(String(bad.value, radix: 16, uppercase: true)))"
        }
        return nil
    }
}
