import Testing

@Test func HoistHistoryTestsBuilds() { #expect(Bool(true)) }
