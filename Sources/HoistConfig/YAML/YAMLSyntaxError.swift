import HoistCore
import Yams

/// libyaml's syntax errors (scanner, parser, composer) as a diagnostic's message and hint,
/// the same for appspecs, playbooks and inventories. libyaml names no character: a line
/// indented with a tab gives "found character that cannot start any token", which does not
/// tell a person to look for a tab their editor shows as spaces. So when the character at the
/// error is a tab, the message says so and the hint says what YAML wants instead.
enum YAMLSyntaxError {
    static func describe(problem: String, context: YamlError.Context?, mark: Mark, text: String) -> (message: String, hint: String) {
        let tab = isTab(at: mark, in: text)
        // libyaml names the tab itself in a few places ("found a tab character that violates
        // indentation"); said once is enough.
        var message = "invalid YAML: \(problem)" + (tab && !problem.contains("tab") ? ": a tab" : "")
        if let context { message += " (\(context.text) at line \(context.mark.line))" }
        return (message, tab ? "YAML indents with spaces, not tabs" : "check the indentation and quoting around this place")
    }

    /// Whether the character at `mark` (line and column from 1, the column counted in Unicode
    /// scalars, as libyaml counts it) is a tab.
    static func isTab(at mark: Mark, in text: String) -> Bool {
        guard mark.line >= 1, mark.column >= 1,
              let line = TextLines.lines(text).dropFirst(mark.line - 1).first
        else { return false }
        let scalars = line.unicodeScalars
        guard let at = scalars.index(scalars.startIndex, offsetBy: mark.column - 1, limitedBy: scalars.endIndex),
              at < scalars.endIndex else { return false }
        return scalars[at] == "\t"
    }
}
