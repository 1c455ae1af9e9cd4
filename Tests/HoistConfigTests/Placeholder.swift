import Testing

@Test func HoistConfigTestsBuilds() { #expect(Bool(true)) }
