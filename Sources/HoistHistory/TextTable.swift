/// Left-aligned columns two spaces apart, for terminal tables. Lines carry no trailing
/// spaces, so output pasted into an issue or compared in a test is exact.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        return rows.map { row in
            let padded = row.enumerated().map { column, cell in
                cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            return trimmingTrailingSpaces(padded.joined(separator: "  "))
        }.map { $0 + "\n" }.joined()
    }

    static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = Substring(line)
        while line.last == " " { line.removeLast() }
        return String(line)
    }
}
