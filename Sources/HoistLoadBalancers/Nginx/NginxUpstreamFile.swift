import HoistCore

/// The upstream include file Hoist owns: one `upstream NAME { ... }` block whose `server`
/// lines are the state. Every host ever registered stays listed; a deregistered one is
/// marked `down`. Keeping the line (instead of deleting it) means the block never becomes
/// empty, which nginx rejects, and any coordinator reading the file sees the same set.
/// Pure text in, text out.
public struct NginxUpstreamFile: Sendable, Hashable {
    /// One `server ADDRESS [parameters] [down];` line.
    public struct Server: Sendable, Hashable {
        public var address: String
        public var down: Bool
        /// Other parameters (`weight=2`, `max_fails=3`), kept as they were.
        public var parameters: [String]
        public init(address: String, down: Bool, parameters: [String] = []) {
            self.address = address
            self.down = down
            self.parameters = parameters
        }
    }

    public var upstream: String
    /// Directives of the block other than `server` (`least_conn`, `keepalive 16`), kept.
    public var directives: [String]
    public var servers: [Server]

    public init(upstream: String, directives: [String] = [], servers: [Server] = []) {
        self.upstream = upstream
        self.directives = directives
        self.servers = servers
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads the file; empty text is an empty upstream. Comments are dropped.
    public static func parse(_ text: String, upstream: String) throws -> NginxUpstreamFile {
        let code = TextLines.lines(text)
            .map { line in line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "" }
            .joined(separator: "\n")
        var file = NginxUpstreamFile(upstream: upstream)
        if code.allSatisfy(\.isWhitespace) { return file }
        let tokens = tokenize(code)
        guard tokens.count >= 3, tokens[0] == "upstream", tokens[1] == upstream, tokens[2] == "{",
              tokens.last == "}"
        else {
            throw ParseError(description: "it must hold exactly one `upstream \(upstream) { ... }` block, which hoist manages; move anything else to another file")
        }
        var statement: [String] = []
        for token in tokens[3..<(tokens.count - 1)] {
            if token == "{" || token == "}" {
                throw ParseError(description: "unexpected `\(token)` inside `upstream \(upstream)`")
            }
            if token != ";" {
                statement.append(token)
                continue
            }
            if statement.first == "server", statement.count >= 2 {
                let rest = statement.dropFirst(2)
                file.servers.append(Server(address: statement[1], down: rest.contains("down"), parameters: rest.filter { $0 != "down" }))
            } else if !statement.isEmpty {
                file.directives.append(statement.joined(separator: " "))
            }
            statement = []
        }
        if !statement.isEmpty {
            throw ParseError(description: "`\(statement.joined(separator: " "))` inside `upstream \(upstream)` is missing its `;`")
        }
        return file
    }

    /// Marks `address` in rotation (`down: false`) or out of it, adding its line if needed.
    public mutating func set(_ address: String, down: Bool) {
        if let index = servers.firstIndex(where: { $0.address == address }) {
            servers[index].down = down
        } else {
            servers.append(Server(address: address, down: down))
        }
    }

    public func server(_ address: String) -> Server? {
        servers.first { $0.address == address }
    }

    public func render(balancer: String) -> String {
        var lines = [
            "# Managed by hoist (load balancer \(balancer)); rewritten on every change.",
            "# Servers in rotation are listed plain; deregistered ones are marked down.",
            "upstream \(upstream) {",
        ]
        lines += directives.map { "    \($0);" }
        lines += servers.map { server in
            "    " + (["server", server.address] + server.parameters + (server.down ? ["down"] : [])).joined(separator: " ") + ";"
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func tokenize(_ code: String) -> [String] {
        var tokens: [String] = []
        var word = ""
        for ch in code {
            if ch.isWhitespace || ch == ";" || ch == "{" || ch == "}" {
                if !word.isEmpty { tokens.append(word); word = "" }
                if !ch.isWhitespace { tokens.append(String(ch)) }
            } else {
                word.append(ch)
            }
        }
        if !word.isEmpty { tokens.append(word) }
        return tokens
    }
}
