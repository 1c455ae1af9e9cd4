import HoistCore
import Testing

/// Host text on a terminal: control characters shown, everything else as it came.
@Suite struct TerminalTextTests {
    @Test func controlCharactersAreShownNotObeyed() {
        // A clipboard write (OSC 52), a screen clear, a carriage return, a bell, a NUL, delete.
        #expect(TerminalText.safe("a\u{1b}]52;c;cHduZWQ=\u{07}b\u{1b}[2J\rc\u{0}d\u{7f}") == "a^[]52;c;cHduZWQ=^Gb^[[2J^Mc^@d^?")
        // C1 controls: CSI (U+009B) and NEL (U+0085).
        #expect(TerminalText.safe("x\u{9b}2Jy\u{85}") == "x<U+009B>2Jy<U+0085>")
    }

    /// Characters that reorder or hide what a reviewer reads show where they are.
    @Test func bidiOverridesAndInvisibleMarksAreShown() {
        #expect(TerminalText.safe("scripts/x\u{202e}hs.tsil") == "scripts/x<U+202E>hs.tsil")
        #expect(TerminalText.safe("a\u{2066}b\u{2069}c\u{200b}d\u{200f}") == "a<U+2066>b<U+2069>c<U+200B>d<U+200F>")
        // The other invisible ones that hide text, tag characters (five hex digits) included.
        #expect(TerminalText.safe("a\u{061c}b\u{2060}c\u{feff}d\u{2028}e\u{e0041}\u{e007f}") ==
                "a<U+061C>b<U+2060>c<U+FEFF>d<U+2028>e<U+E0041><U+E007F>")
        // A joiner inside an emoji sequence is part of the character: left alone.
        #expect(TerminalText.safe("👩\u{200d}💻") == "👩\u{200d}💻")
    }

    @Test func tabsNewlinesAndUnicodeStayAsTheyCame() {
        let text = "col1\tcol2\nnaïve ✓ € 😀 \u{a0}nbsp"
        #expect(TerminalText.safe(text) == text)
        #expect(TerminalText.safe("") == "")
    }
}
