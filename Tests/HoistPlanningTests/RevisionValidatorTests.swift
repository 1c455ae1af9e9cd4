import HoistConfig
import HoistCore
import HoistPlanning
import Testing

/// The one entry point `hoist validate` calls.
@Suite struct RevisionValidatorTests {
    @Test func validRevisionGivesSpecAndPlan() throws {
        let text = "version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv\nhooks:\n  AfterInstall:\n    - location: s/a.sh\n"
        let (spec, plan, diagnostics) = RevisionValidator.validate(appSpecText: text, entries: entries(["app/x", "s/a.sh"]))
        #expect(diagnostics.isEmpty)
        #expect(spec?.scripts(for: .afterInstall).map(\.location) == ["s/a.sh"])
        #expect(plan?.files == ["/srv/x"])
    }

    @Test func reportsParseProblemsAlone() {
        let (spec, plan, diagnostics) = RevisionValidator.validate(appSpecText: "version: 1\nos: linux\n", entries: [])
        #expect(spec == nil && plan == nil)
        #expect(diagnostics.map(\.keyPath) == ["version"])
    }

    @Test func reportsMissingScriptsAndPlanConflictsTogether() {
        let text = """
            version: 0.0
            os: linux
            files:
              - source: a/x
                destination: /etc
              - source: b/x
                destination: /etc
            hooks:
              ApplicationStart:
                - location: start.sh
            """
        let (spec, plan, diagnostics) = RevisionValidator.validate(appSpecText: text, fileName: "rev/appspec.yml", entries: entries(["a/x", "b/x"]))
        #expect(spec != nil)
        #expect(plan == nil)
        #expect(diagnostics.map { "\($0.file):\($0.line!) \($0.keyPath!)" } == [
            "rev/appspec.yml:10 hooks.ApplicationStart[0].location", "rev/appspec.yml:6 files[1]",
        ])
    }
}
