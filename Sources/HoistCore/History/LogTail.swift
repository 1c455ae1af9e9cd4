/// The end of a hook's output, both streams in the order they came, at most 4 KB, as
/// CodeDeploy keeps it (`logTail`): what a failed event shows in the deploy output and in
/// `hoist show`, so a check that explains itself on stdout is not reduced to "exit code 1".
///
/// Neither stream can crowd the other out: over 4 KB, the earliest line of the stream holding
/// more bytes goes. The streams reach Hoist through separate pipes, so a script's last stderr
/// line may come before its last stdout lines; a combined cut would drop it behind a chatty
/// stdout, and the reason a check gave on stderr would be lost.
public struct LogTail: Sendable, Hashable, Codable {
    public static let byteLimit = 4096

    public struct Line: Sendable, Hashable, Codable {
        public var stream: OutputStream
        public var text: String
    }

    public private(set) var lines: [Line] = []
    /// Earlier lines of each stream left out to stay within `byteLimit`.
    public private(set) var omittedStdoutLines = 0
    public private(set) var omittedStderrLines = 0
    private var stdoutBytes = 0
    private var stderrBytes = 0

    private enum CodingKeys: String, CodingKey { case lines, omittedStdoutLines, omittedStderrLines }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lines = try container.decode([Line].self, forKey: .lines)
        omittedStdoutLines = try container.decode(Int.self, forKey: .omittedStdoutLines)
        omittedStderrLines = try container.decode(Int.self, forKey: .omittedStderrLines)
        for line in lines { count(line, 1) }
    }

    public var isEmpty: Bool { lines.isEmpty }
    public var omittedLines: Int { omittedStdoutLines + omittedStderrLines }

    public mutating func append(_ stream: OutputStream, _ text: String) {
        let line = Line(stream: stream, text: text)
        lines.append(line)
        count(line, 1)
        while stdoutBytes + stderrBytes > Self.byteLimit, lines.count > 1 {
            let crowded: OutputStream = stdoutBytes >= stderrBytes ? .stdout : .stderr
            // The newest line always stays, however long.
            guard let index = lines.firstIndex(where: { $0.stream == crowded }), index < lines.count - 1 else { break }
            count(lines.remove(at: index), -1)
            if crowded == .stdout { omittedStdoutLines += 1 } else { omittedStderrLines += 1 }
        }
    }

    private mutating func count(_ line: Line, _ sign: Int) {
        let bytes = (line.text.utf8.count + 1) * sign
        if line.stream == .stderr { stderrBytes += bytes } else { stdoutBytes += bytes }
    }

    /// `| text` for stdout and `! text` for stderr, as the plain output marks them, after a
    /// line saying how many earlier lines of which stream were left out.
    public func rendered(indent: String) -> [String] {
        let left = [(omittedStdoutLines, "stdout"), (omittedStderrLines, "stderr")].filter { $0.0 > 0 }
            .map { "\($0.0) earlier \($0.1) line\($0.0 == 1 ? "" : "s")" }
        return (left.isEmpty ? [] : ["\(indent)… " + left.joined(separator: " and ") + " left out"])
            + lines.map { "\(indent)\($0.stream == .stderr ? "!" : "|") \($0.text)" }
    }
}

/// A failed lifecycle event's output tail, as `hoist show` lists it.
public struct FailedHookOutput: Sendable, Hashable, Codable {
    public var host: String
    public var event: LifecycleEvent
    public var tail: LogTail
    /// Where all of it is, read from the history `commands` name.
    public var logsCommand: String

    public init(deploymentID: String, host: String, event: LifecycleEvent, tail: LogTail, commands: SuggestedCommands) {
        self.host = host
        self.event = event
        self.tail = tail
        logsCommand = commands.logs(deploymentID, host: host, event: event)
    }
}
