import Testing

@Test func HoistPlanningTestsBuilds() { #expect(Bool(true)) }
