/// Text a host sent (a hook's output, a command's output), made safe to print on a terminal.
/// A hook prints whatever it prints; on the terminal of whoever watches a deployment, an
/// escape sequence in it could move the cursor into Hoist's live view, clear the screen,
/// retitle the window or write the clipboard (OSC 52). So every control character but a tab
/// (and the newline between lines) is shown in caret notation, as `cat -v` shows it: `^[` for
/// escape, `^M` for a carriage return, `^?` for delete. C1 controls (U+0080–U+009F), which
/// some terminals obey too, are shown as `<U+009B>`, and so are the invisible characters that
/// reorder or hide text (bidi overrides and isolates, direction marks, the zero-width
/// space, word joiners, line separators, the byte order mark, tag characters). Everything else, UTF-8 included, is left as it is. Where output goes to a file or a pipe, Hoist writes it as it came.
public enum TerminalText {
    public static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.append(scalar)
                continue
            }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            let shown = scalar.value == 0x7F ? "^?"
                : scalar.value < 0x20 ? "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
                : "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
            out.append(contentsOf: shown.unicodeScalars)
        }
        return String(out)
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A: false
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: true
        // Bidirectional overrides and isolates, the direction marks and the zero-width space:
        // they steer no terminal, but they reorder or hide what a reviewer reads (a file named
        // `x<U+202E>hs.tsil` shows as `xlist.sh` where bidi is rendered).
        // So are the other invisible ones that can hide text: the Arabic letter mark, the word
        // joiner and invisible operators, the line and paragraph separators, the byte order
        // mark and the tag characters (U+E0000–U+E007F, which carry whole hidden strings).
        // Joiners (U+200C, U+200D) stay: emoji and Persian text need them.
        case 0x200B, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        case 0x061C, 0x2028, 0x2029, 0x2060...0x2064, 0xFEFF, 0xE0000...0xE007F: true
        default: false
        }
    }
}
