import Testing

@Test func HoistArchiveTestsBuilds() { #expect(Bool(true)) }
