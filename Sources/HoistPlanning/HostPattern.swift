import Foundation
import HoistCore

/// Ansible `--limit`-style host patterns, for every command's `--hosts`: a comma list of terms
/// that narrows the hosts a playbook selects. A term is a host name or glob (`web*`,
/// `h00[1-3]`), a tag or Ansible group name (`canary`, `role` matches any `role=` value),
/// `key=value` (the value may be a glob), or `~regex` on host names. `&term` keeps only hosts
/// that also match it, `!term` removes the hosts it matches; a list of exclusions only starts
/// from every host. A term that matches no host is an error, so a typo never silently changes
/// which hosts a deployment touches.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case include, intersect, exclude }

    public struct Term: Sendable, Hashable, CustomStringConvertible {
        public var kind: Kind
        /// Without its `&` or `!`.
        public var text: String

        public var description: String {
            switch kind {
            case .include: return text
            case .intersect: return "&" + text
            case .exclude: return "!" + text
            }
        }

        func matches(_ host: HostSpec) -> Bool {
            if text.hasPrefix("~") {
                guard let regex = try? Regex(String(text.dropFirst())) else { return false }
                return host.name.wholeMatch(of: regex) != nil
            }
            if let eq = text.firstIndex(of: "=") {
                let key = String(text[..<eq]), value = String(text[text.index(after: eq)...])
                return host.tags.contains { tag in
                    tag.key == key && tag.value.map { HostPattern.glob(value, $0) } == true
                }
            }
            return HostPattern.glob(text, host.name) || host.tags.contains { HostPattern.glob(text, $0.key) }
        }
    }

    /// Why a pattern selected nothing, or a term of it matched nothing.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public var terms: [Term]

    /// Parses `web*,&rack=r1,!h003`. Commas separate terms; blanks around them are ignored.
    public init(_ text: String) throws(Problem) {
        try self.init(terms: text.split(separator: ",").map(String.init))
    }

    /// Terms already split, e.g. host names recorded in the history.
    public init(terms texts: [String]) throws(Problem) {
        var terms: [Term] = []
        for raw in texts {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let kind: Kind = text.hasPrefix("!") ? .exclude : text.hasPrefix("&") ? .intersect : .include
            let body = kind == .include ? text : String(text.dropFirst())
            guard !body.isEmpty else { throw Problem(description: "`\(text)` names no host") }
            if body.hasPrefix("~"), (try? Regex(String(body.dropFirst()))) == nil {
                throw Problem(description: "`\(body)` is not a valid regular expression")
            }
            terms.append(Term(kind: kind, text: body))
        }
        guard !terms.isEmpty else { throw Problem(description: "the pattern names no host") }
        self.terms = terms
    }

    public var description: String { terms.map(\.description).joined(separator: ",") }

    /// The hosts of `hosts` the pattern keeps, in their order. Throws when a term matches
    /// none of `hosts` or when nothing is left.
    public func select(from hosts: [HostSpec]) throws(Problem) -> [HostSpec] {
        let unmatched = terms.filter { term in !hosts.contains { term.matches($0) } }
        guard unmatched.isEmpty else {
            let list = unmatched.map { "`\($0)`" }.joined(separator: ", ")
            throw Problem(description: "\(list) \(unmatched.count == 1 ? "matches" : "match") no selected host")
        }
        let includes = terms.filter { $0.kind == .include }
        let kept = hosts.filter { host in
            (includes.isEmpty || includes.contains { $0.matches(host) })
                && terms.allSatisfy { term in
                    switch term.kind {
                    case .include: return true
                    case .intersect: return term.matches(host)
                    case .exclude: return !term.matches(host)
                    }
                }
        }
        guard !kept.isEmpty else { throw Problem(description: "`\(self)` leaves no host") }
        return kept
    }

    /// Shell-style glob: `*`, `?` and `[...]` (with `!` or `^` negation and ranges).
    static func glob(_ pattern: String, _ text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
