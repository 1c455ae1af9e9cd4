/// The end of a hook's output, both streams in the order they came, at most 4 KB, as
/// CodeDeploy keeps it (`logTail`): what a failed event shows in the deploy output and in
/// `hoist show`, so a check that explains itself on stdout is not reduced to "exit code 1".
public struct LogTail: Sendable, Hashable, Codable {
    public static let byteLimit = 4096

    public struct Line: Sendable, Hashable, Codable {
        public var stream: OutputStream
        public var text: String
    }

    public private(set) var lines: [Line] = []
    /// Earlier lines left out to stay within `byteLimit`.
    public private(set) var omittedLines = 0

    public init() {}

    public var isEmpty: Bool { lines.isEmpty }

    public mutating func append(_ stream: OutputStream, _ text: String) {
        lines.append(Line(stream: stream, text: text))
        var bytes = lines.reduce(0) { $0 + $1.text.utf8.count + 1 }
        while bytes > Self.byteLimit, lines.count > 1 {
            bytes -= lines.removeFirst().text.utf8.count + 1
            omittedLines += 1
        }
    }

    /// `| text` for stdout and `! text` for stderr, as the plain output marks them.
    public func rendered(indent: String) -> [String] {
        (omittedLines > 0 ? ["\(indent)… \(omittedLines) earlier line\(omittedLines == 1 ? "" : "s")"] : [])
            + lines.map { "\(indent)\($0.stream == .stderr ? "!" : "|") \($0.text)" }
    }

    /// Where the whole output is.
    public static func logsCommand(deploymentID: String, host: String, event: LifecycleEvent) -> String {
        "hoist logs \(deploymentID) --host \(host) --event \(event.rawValue)"
    }
}

/// A failed lifecycle event's output tail, as `hoist show` lists it.
public struct FailedHookOutput: Sendable, Hashable, Codable {
    public var host: String
    public var event: LifecycleEvent
    public var tail: LogTail
    public var logsCommand: String

    public init(deploymentID: String, host: String, event: LifecycleEvent, tail: LogTail) {
        self.host = host
        self.event = event
        self.tail = tail
        logsCommand = LogTail.logsCommand(deploymentID: deploymentID, host: host, event: event)
    }
}
