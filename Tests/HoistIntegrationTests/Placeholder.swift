import Testing

@Test func HoistIntegrationTestsBuilds() { #expect(Bool(true)) }
