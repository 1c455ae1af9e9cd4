import HoistCore

/// The parts of an OpenSSH client config (`~/.ssh/config`) that decide how to reach a host:
/// `Host` blocks with `*`, `?` and `!negated` patterns and the options HostName, User, Port,
/// IdentityFile, ProxyJump, StrictHostKeyChecking and UserKnownHostsFile. As in ssh, the first
/// value found for an option wins, except IdentityFile, whose values add up. `Match` blocks and
/// `Include` are not followed; other options are ignored.
public struct SSHConfig: Sendable, Hashable {
    /// The options one host gets from the config.
    public struct Options: Sendable, Hashable {
        public var hostName: String?
        public var user: String?
        public var port: Int?
        public var identityFiles: [String] = []
        /// Hops as written; [] when ProxyJump is `none`.
        public var proxyJump: [String]?
        public var hostKeyChecking: HostKeyChecking?
        public var knownHostsFile: String?
        public init() {}
    }

    struct Block: Sendable, Hashable {
        var patterns: [String]  // options before any `Host` line form a block for "*"
        var isMatch: Bool = false
        var entries: [Entry] = []
    }

    struct Entry: Sendable, Hashable {
        var key: String
        var value: String
    }

    var blocks: [Block]
    var paths: PathResolver

    /// Parses config text; `baseDirectory` and `homeDirectory` resolve IdentityFile and
    /// UserKnownHostsFile paths. Bad values give diagnostics for `file`.
    public static func parse(_ text: String, file: String, baseDirectory: String, homeDirectory: String) -> (SSHConfig, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var blocks = [Block(patterns: ["*"])]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimming(" \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let (key, value) = splitOption(line) else { continue }
            switch key {
            case "host":
                blocks.append(Block(patterns: value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)))
            case "match":
                blocks.append(Block(patterns: [], isMatch: true))
            case "port":
                if let port = Int(value), (1...65535).contains(port) {
                    blocks[blocks.count - 1].entries.append(Entry(key: key, value: value))
                } else {
                    diagnostics.append(Diagnostic(
                        file: file, line: index + 1, column: 1, keyPath: "Port",
                        message: "must be a port number from 1 to 65535, not '\(value)'"))
                }
            case "stricthostkeychecking":
                if checking(value) == nil {
                    diagnostics.append(Diagnostic(
                        file: file, line: index + 1, column: 1, keyPath: "StrictHostKeyChecking",
                        message: "must be one of yes, accept-new, no, off, not '\(value)'"))
                } else {
                    blocks[blocks.count - 1].entries.append(Entry(key: key, value: value))
                }
            case "hostname", "user", "identityfile", "proxyjump", "userknownhostsfile":
                blocks[blocks.count - 1].entries.append(Entry(key: key, value: unquote(value)))
            default:
                continue
            }
        }
        return (SSHConfig(blocks: blocks, paths: PathResolver(baseDirectory: baseDirectory, homeDirectory: homeDirectory)), diagnostics)
    }

    /// The options for a host, matching `Host` patterns against any of `names` (Hoist tries
    /// the inventory name, then the address).
    public func options(for names: [String]) -> Options {
        var options = Options()
        var seen = Set<String>()
        for block in blocks where !block.isMatch && names.contains(where: { Self.matches($0, block.patterns) }) {
            for entry in block.entries {
                if entry.key == "identityfile" {
                    options.identityFiles.append(paths.resolve(entry.value))
                    continue
                }
                guard seen.insert(entry.key).inserted else { continue }
                switch entry.key {
                case "hostname": options.hostName = entry.value.replacingPercentH(with: names.first ?? "")
                case "user": options.user = entry.value
                case "port": options.port = Int(entry.value)
                case "proxyjump":
                    options.proxyJump = entry.value.lowercased() == "none"
                        ? [] : entry.value.split(separator: ",").map { String($0).trimming(" ") }
                case "stricthostkeychecking": options.hostKeyChecking = Self.checking(entry.value)
                case "userknownhostsfile":
                    let first = entry.value.split(separator: " ").first.map(String.init) ?? entry.value
                    options.knownHostsFile = paths.resolve(first)
                default: break
                }
            }
        }
        return options
    }

    static func checking(_ value: String) -> HostKeyChecking? {
        switch value.lowercased() {
        case "yes", "ask": return .strict
        case "accept-new": return .acceptNew
        case "no", "off": return .off
        default: return nil
        }
    }

    /// ssh's rule: a host matches a pattern list when some plain pattern matches and no
    /// negated one does.
    static func matches(_ host: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("!") {
                if glob(String(pattern.dropFirst()), host) { return false }
            } else if glob(pattern, host) {
                matched = true
            }
        }
        return matched
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.lowercased()), t = Array(text.lowercased())
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == t.count }
            if p[i] == "*" { return (j...t.count).contains { match(i + 1, $0) } }
            guard j < t.count, p[i] == "?" || p[i] == t[j] else { return false }
            return match(i + 1, j + 1)
        }
        return match(0, 0)
    }

    private static func splitOption(_ line: String) -> (String, String)? {
        guard let separator = line.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) else { return nil }
        let key = line[..<separator].lowercased()
        var rest = line[separator...].drop(while: { $0 == " " || $0 == "\t" })
        if rest.first == "=" { rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" }) }
        return (key, String(rest))
    }

    private static func unquote(_ value: String) -> String {
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { return String(value.dropFirst().dropLast()) }
        return value
    }
}

extension StringProtocol {
    func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let first = s.first, set.contains(first) { s = s.dropFirst() }
        while let last = s.last, set.contains(last) { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    fileprivate func replacingPercentH(with host: String) -> String {
        var out = "", percent = false
        for ch in self {
            if percent {
                out += ch == "h" ? host : (ch == "%" ? "%" : "%\(ch)")
                percent = false
            } else if ch == "%" {
                percent = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
