/// What a terminal shows after some output, for tests of the live view: the raw bytes keep
/// every status block ever drawn, the screen only what was not erased. Knows what the live
/// view writes: text, newlines, carriage returns, colours (ignored), cursor up to a line's
/// start (`ESC [ n F`, `ESC [ n A`) and erasing to the end of the screen or line
/// (`ESC [ J`, `ESC [ K`). Lines do not wrap: the block is cut to the width anyway.
public enum TerminalScreen {
    /// The screen's lines from the first written to the last, trailing spaces dropped.
    public static func lines(_ output: String) -> [String] {
        var screen: [[Character]] = [[]]
        var row = 0, column = 0
        var characters = Array(output)[...]
        func put(_ character: Character) {
            while screen.count <= row { screen.append([]) }
            while screen[row].count < column { screen[row].append(" ") }
            if column < screen[row].count { screen[row][column] = character } else { screen[row].append(character) }
            column += 1
        }
        while let character = characters.popFirst() {
            switch character {
            case "\n", "\r\n":
                row += 1
                column = 0
                while screen.count <= row { screen.append([]) }
            case "\r":
                column = 0
            case "\u{1b}":
                guard characters.first == "[" else {
                    _ = characters.popFirst()
                    continue
                }
                characters.removeFirst()
                var parameter = ""
                while let next = characters.first, next.isNumber || next == ";" || next == "?" {
                    parameter.append(next)
                    characters.removeFirst()
                }
                let count = max(Int(parameter) ?? 1, 1)
                switch characters.popFirst() {
                case "F":
                    row = max(row - count, 0)
                    column = 0
                case "A":
                    row = max(row - count, 0)
                case "J":
                    if row < screen.count {
                        screen[row] = Array(screen[row].prefix(column))
                        screen.removeSubrange((row + 1)...)
                    }
                case "K":
                    if row < screen.count { screen[row] = Array(screen[row].prefix(column)) }
                default:
                    break
                }
            default:
                put(character)
            }
        }
        return screen.map { line in
            var text = String(line)
            while text.last == " " { text.removeLast() }
            return text
        }
    }

    /// The last line that is not empty, or nil.
    public static func lastLine(_ output: String) -> String? {
        lines(output).last { !$0.isEmpty }
    }
}
