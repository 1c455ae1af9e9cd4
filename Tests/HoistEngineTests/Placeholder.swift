import Testing

@Test func HoistEngineTestsBuilds() { #expect(Bool(true)) }
