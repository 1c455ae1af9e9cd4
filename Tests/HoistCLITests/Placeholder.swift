import Testing

@Test func HoistCLITestsBuilds() { #expect(Bool(true)) }
