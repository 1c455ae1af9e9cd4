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

    /// `location: /scripts/a.sh` is the bundle's scripts/a.sh, as the agent reads it; one not
    /// in the bundle is missing, not a host path.
    @Test func aLeadingSlashLocationIsLookedUpInTheBundle() {
        let text = "version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: /s/a.sh\n    - location: /opt/b.sh\n"
        let (spec, plan, diagnostics) = RevisionValidator.validate(appSpecText: text, entries: entries(["s/a.sh"]))
        #expect(spec != nil && plan != nil)
        #expect(diagnostics.map(\.description) == [
            "appspec.yml:6:7: error: hooks.ApplicationStart[1].location: Script does not exist at specified location: /opt/b.sh (add the script to the bundle, or fix `location` (it is relative to the bundle root))",
        ])
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

    /// The first bytes of hook scripts are checked for Windows line endings: a warning (the
    /// revision stays valid), for each hook that runs such a script; a script not in the
    /// bundle is not read.
    @Test func aScriptWithWindowsLineEndingsIsAWarning() throws {
        let text = "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: s/a.sh\n    - location: s/b.sh\n    - location: s/c.sh\n"
        let heads: [String: [UInt8]] = ["s/a.sh": Array("#! /usr/bin/env bash\r\nset -e\r\n".utf8), "s/b.sh": Array("#!/bin/sh\nexit 0\r\n".utf8)]
        var asked: [String] = []
        let (spec, plan, diagnostics) = RevisionValidator.validate(appSpecText: text, entries: entries(["s/a.sh", "s/b.sh"])) { paths in
            asked = paths
            return heads
        }
        #expect(spec != nil && plan != nil)
        #expect(asked == ["s/a.sh", "s/b.sh"])
        #expect(diagnostics.map(\.description) == [
            "appspec.yml:7:7: error: hooks.AfterInstall[2].location: Script does not exist at specified location: s/c.sh (add the script to the bundle, or fix `location` (it is relative to the bundle root))",
            "appspec.yml:5:7: warning: hooks.AfterInstall[0].location: s/a.sh has Windows line endings (CRLF): its first line, `#! /usr/bin/env bash`, ends in a carriage return, which the host reads as part of `bash\\r`, so the script does not start (convert the script with `dos2unix s/a.sh` or `sed -i 's/\\r$//' s/a.sh`)",
        ])
    }
}
