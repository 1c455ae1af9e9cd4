import Foundation
import HoistCore

/// The parts of an OpenSSH client config (`~/.ssh/config`) that decide how to reach a host:
/// `Host` blocks with `*`, `?` and `!negated` patterns and the options HostName, User, Port,
/// IdentityFile, ProxyJump, StrictHostKeyChecking and UserKnownHostsFile, and `Include`d files.
/// As in ssh, the first value found for an option wins, except IdentityFile, whose values add
/// up. `Match` blocks are not followed; other options are ignored.
public struct SSHConfig: Sendable, Hashable {
    /// The options one host gets from the config.
    public struct Options: Sendable, Hashable {
        public var hostName: String?
        public var user: String?
        public var port: Int?
        public var identityFiles: [String] = []
        /// Hops as written; [] when ProxyJump is `none`.
        public var proxyJump: [String]?
        /// The ProxyJump line, for a hop found bad once the inventory is known.
        var proxyJumpPlace: SettingPlace?
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
        /// Where the line is (an `Include`d file's own name).
        var file = ""
        var line = 0
    }

    var blocks: [Block]
    var paths: PathResolver

    /// Parses config text; `baseDirectory` and `homeDirectory` resolve IdentityFile and
    /// UserKnownHostsFile paths. Bad values give diagnostics for `file`. `Include` reads
    /// through `files` (relative names are under ~/.ssh, as in ssh; a `*` or `?` in the last
    /// part lists that folder), at most 16 levels deep.
    public static func parse(
        _ text: String, file: String, baseDirectory: String, homeDirectory: String, files: IncludedFiles = .none
    ) -> (SSHConfig, [Diagnostic]) {
        var parser = Parser(files: files, homeDirectory: homeDirectory)
        parser.parse(text, file: file, depth: 0)
        return (SSHConfig(blocks: parser.blocks, paths: PathResolver(baseDirectory: baseDirectory, homeDirectory: homeDirectory)),
                parser.diagnostics)
    }

    /// How `Include` reads other files: their text, and a folder's entry names for globs.
    public struct IncludedFiles: Sendable {
        public var read: @Sendable (String) -> String?
        public var list: @Sendable (String) -> [String]
        public init(read: @escaping @Sendable (String) -> String?, list: @escaping @Sendable (String) -> [String]) {
            self.read = read
            self.list = list
        }
        public static let none = IncludedFiles(read: { _ in nil }, list: { _ in [] })
    }

    private struct Parser {
        static let maxDepth = 16
        /// Included files read in all: `Include`s that do not loop can still multiply
        /// (`Include b b b` in each of 15 files).
        static let maxIncludes = 1_000
        let files: IncludedFiles
        let homeDirectory: String
        var blocks = [Block(patterns: ["*"])]
        var diagnostics: [Diagnostic] = []
        var includes = 0
        /// Set by the first Include too deep or too many; everything stops there, as ssh stops
        /// at "Too many recursive configuration includes". Going on after the error made a
        /// glob that includes its own folder report 65,536 identical lines, or run for minutes.
        var stopped = false

        mutating func parse(_ text: String, file: String, depth: Int) {
            for (index, rawLine) in TextLines.lines(text).enumerated() where !stopped {
                let line = rawLine.trimming(" \t")
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let (key, value) = SSHConfig.splitOption(line) else { continue }
                switch key {
                case "host":
                    blocks.append(Block(patterns: value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)))
                case "match":
                    blocks.append(Block(patterns: [], isMatch: true))
                case "include":
                    guard depth < Self.maxDepth else {
                        stop(file, index + 1, "Include is nested more than \(Self.maxDepth) deep",
                             hint: "an included file probably includes itself, or a folder it globs")
                        return
                    }
                    // An included file's lines belong to the block the Include is in until its
                    // own Host lines; after it, this file's block goes on.
                    let outer = blocks[blocks.count - 1]
                    let before = blocks.count
                    for name in value.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                        for path in paths(String(name)) where !stopped {
                            includes += 1
                            guard includes <= Self.maxIncludes else {
                                stop(file, index + 1, "Include reads more than \(Self.maxIncludes) files in all",
                                     hint: "an included file probably names the same files more than once")
                                return
                            }
                            if let included = files.read(path) { parse(included, file: path, depth: depth + 1) }
                        }
                    }
                    if blocks.count != before { blocks.append(Block(patterns: outer.patterns, isMatch: outer.isMatch)) }
                case "port":
                    if PortNumber.parse(value) != nil {
                        blocks[blocks.count - 1].entries.append(Entry(key: key, value: value))
                    } else {
                        diagnostics.append(Diagnostic(
                            file: file, line: index + 1, column: 1, keyPath: "Port",
                            message: PortNumber.problem(value)))
                    }
                case "stricthostkeychecking":
                    if SSHConfig.checking(value) == nil {
                        diagnostics.append(Diagnostic(
                            file: file, line: index + 1, column: 1, keyPath: "StrictHostKeyChecking",
                            message: "must be one of yes, accept-new, no, off, not '\(value)'"))
                    } else {
                        blocks[blocks.count - 1].entries.append(Entry(key: key, value: value))
                    }
                case "hostname", "user", "identityfile", "proxyjump", "userknownhostsfile":
                    blocks[blocks.count - 1].entries.append(Entry(key: key, value: SSHConfig.unquote(value), file: file, line: index + 1))
                default:
                    continue
                }
            }
        }

        mutating func stop(_ file: String, _ line: Int, _ message: String, hint: String) {
            diagnostics.append(Diagnostic(file: file, line: line, column: 1, keyPath: "Include", message: message, hint: hint))
            stopped = true
        }

        /// The files an Include name means, in name order.
        func paths(_ name: String) -> [String] {
            let unquoted = SSHConfig.unquote(name)
            let path = PathResolver(baseDirectory: homeDirectory + "/.ssh", homeDirectory: homeDirectory).resolve(unquoted)
            guard let slash = path.lastIndex(of: "/") else { return [path] }
            let last = String(path[path.index(after: slash)...])
            guard last.contains(where: { "*?[".contains($0) }) else { return [path] }
            let folder = slash == path.startIndex ? "/" : String(path[..<slash])
            return files.list(folder).filter { !$0.hasPrefix(".") && fnmatch(last, $0, 0) == 0 }.sorted()
                .map { folder == "/" ? "/" + $0 : folder + "/" + $0 }
        }
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
                    options.proxyJumpPlace = SettingPlace(file: entry.file, line: entry.line, column: 1, keyPath: "ProxyJump")
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

    fileprivate static func splitOption(_ line: String) -> (String, String)? {
        guard let separator = line.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) else { return nil }
        let key = line[..<separator].lowercased()
        var rest = line[separator...].drop(while: { $0 == " " || $0 == "\t" })
        if rest.first == "=" { rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" }) }
        return (key, String(rest))
    }

    fileprivate static func unquote(_ value: String) -> String {
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
