import HoistConfig
import HoistCore
import HoistTestSupport
import Testing

/// A bounded, deterministic fuzz run: mutated AppSpecs must never crash the parser, and every
/// diagnostic must point inside the file.
@Suite struct AppSpecFuzzTests {
    static let seeds = [
        """
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /var/www/app
        permissions:
          - object: /var/www/app
            pattern: "*.sh"
            except: [a.sh]
            mode: "0755"
            acls: [u:deploy:rwx, d:g:www:r-x]
            context: {name: system_u, type: t, range: s0:c1.c3}
            type: [file]
        hooks:
          AfterInstall:
            - location: scripts/a.sh
              timeout: 300
              runas: app
              sudo: true
        """,
        #"{"version": 0.0, "os": "linux", "files": [{"source": "a", "destination": "/b"}], "hooks": {"ApplicationStart": [{"location": "s.sh"}]}}"#,
        "version: 0.0\nos: linux\nfile_exists_behavior: RETAIN\nhooks:\n  BeforeInstall: &h\n    - location: x.sh\n",
    ]

    static let fragments = [
        "&a ", "*a", "- ", ": ", "{", "}", "[", "]", "\t", "'", "\"", "0644", "~", "!!str ", "%YAML 1.1\n", "---\n",
        "? ", "|\n", ">-\n", "#", ",", "2024-01-01", "<<: *a\n", "\u{0}", "é", "\r\n", "  ", "\n- location:\n",
    ]

    @Test func mutatedAppSpecsNeverCrashAndPointInsideTheFile() {
        var rng = SplitMix(state: 0x5EED_A995_EC)
        var rejected = 0
        for iteration in 0..<2000 {
            let text = Fuzzing.mutated(Self.seeds[iteration % Self.seeds.count], fragments: Self.fragments, using: &rng)
            let (spec, diagnostics) = AppSpecParser.parse(text)
            // Lines as libyaml and every Hoist reader count them: a "\r\n" fragment ends one.
            let lineCount = TextLines.lines(text).count
            for d in diagnostics {
                #expect(d.line.map { (1...lineCount).contains($0) } == true, "iteration \(iteration): \(d) in \(text.debugDescription)")
                #expect((d.column ?? 0) >= 1, "iteration \(iteration): \(d)")
            }
            #expect((spec == nil) == diagnostics.hasErrors, "iteration \(iteration)")
            if spec == nil { rejected += 1 }
        }
        // The mutator must actually produce broken files, or the test proves nothing.
        #expect(rejected > 500)
    }
}
