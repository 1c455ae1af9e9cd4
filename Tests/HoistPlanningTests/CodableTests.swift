import Foundation
import HoistCore
import HoistPlanning
import Testing

/// AppSpecs and plans can be stored (history, an install record) and read back unchanged.
@Suite struct CodableTests {
    @Test func appSpecAndPlanRoundTrip() throws {
        let spec = try appSpec("""
            files:
              - source: app
                destination: /srv
            permissions:
              - object: /srv
                mode: "0750"
                acls: [u:bob:rw, d:g:www:rx]
                context: {name: u, type: t, range: s0-s1:c0.c2}
                type: [directory]
            hooks:
              AfterInstall:
                - location: a.sh
                  timeout: 30
            """)
        let plan = try #require(InstallPlanner.plan(spec, entries: entries(["app/d/x", "app/l -> d/x"])).plan)
        let encoder = JSONEncoder()
        #expect(try JSONDecoder().decode(AppSpec.self, from: encoder.encode(spec)) == spec)
        #expect(try JSONDecoder().decode(InstallPlan.self, from: encoder.encode(plan)) == plan)
        let json = String(decoding: try encoder.encode(spec.hooks), as: UTF8.self)
        #expect(json.hasPrefix("{\"AfterInstall\":"))
    }

    @Test func aStoredModeIsValidatedAgain() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(FileMode.self, from: Data("\"0999\"".utf8)) }
    }
}
