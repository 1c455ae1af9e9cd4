import HoistCore
import Testing

@Suite struct ErrorExcerptTests {
    @Test func shortTextIsKeptWhole() {
        let text = (1...12).map { "line \($0)" }.joined(separator: "\n")
        #expect(ErrorExcerpt.of(text) == text)
        #expect(ErrorExcerpt.of("") == "")
    }

    /// tar on a full disk: a line per file, then how it ended.
    @Test func longTextKeepsItsBeginningAndItsEnd() {
        let lines = (1...1000).map { "tar: many/f\($0): Cannot write: No space left on device" }
            + ["tar: Exiting with failure status due to previous errors", "unpacking failed; what it had unpacked was removed"]
        let excerpt = ErrorExcerpt.of(lines.joined(separator: "\n")).split(separator: "\n").map(String.init)
        #expect(excerpt.count == 12)
        #expect(Array(excerpt.prefix(9)) == Array(lines.prefix(9)))
        #expect(excerpt[9] == "… 991 more lines …")
        #expect(Array(excerpt.suffix(2)) == Array(lines.suffix(2)))
    }
}
