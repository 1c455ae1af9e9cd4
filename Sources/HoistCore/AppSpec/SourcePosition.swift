/// Where an item was written in its file (1-based line and column), kept on every AppSpec item
/// so that problems found later (install-plan conflicts, missing scripts) can point at it.
public struct SourcePosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}
