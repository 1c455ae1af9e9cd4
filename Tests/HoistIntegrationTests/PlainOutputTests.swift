import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// Deployment output for cron and CI (not a terminal): timestamps, a failed hook's reason from
/// both streams, where its whole log is, and a verdict naming the failed hosts.
@Suite(.serialized) struct PlainOutputTests {
    static let stamp = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#

    @Test func aFailedHookShowsBothStreamsTailAndTheVerdictNamesTheHost() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("plainout", hosts: names, config: "OneAtATime")
            let revision = try group.revision("bad", version: "bad", hookBody: """
                if [ "$LIFECYCLE_EVENT" = AfterInstall ]; then
                  i=0; while [ $i -lt 300 ]; do echo "filler line $i"; i=$((i + 1)); done
                  echo "config check: listen port missing in /etc/app.conf"
                  echo "giving up" >&2
                  exit 1
                fi
                """)
            let out = try group.deploy(revision)
            #expect(out.status == 3, "\(out.stdout)\n\(out.stderr)")
            let lines = out.stdout.split(separator: "\n").map(String.init)
            #expect(!lines.isEmpty && lines.allSatisfy { $0.range(of: Self.stamp, options: .regularExpression) != nil },
                    "every line has a timestamp: \(out.stdout)")
            let failedAt = try #require(lines.firstIndex { $0.contains(" AfterInstall Failed") }, "\(out.stdout)")
            let bad = try #require(names.first { lines[failedAt].contains(" \($0) AfterInstall Failed") })
            let after = lines[failedAt...].joined(separator: "\n")
            #expect(after.contains("  | config check: listen port missing in /etc/app.conf"), "stdout's reason: \(after)")
            #expect(after.contains("  ! giving up"), "stderr too: \(after)")
            #expect(after.contains("earlier stdout lines left out"), "a 4 KB tail, not all 300 filler lines: \(after)")
            let id = try #require(try group.list().first?["id"] as? String)
            // With the --db it was deployed with, so that pasted it reads the same history.
            #expect(after.contains("hoist logs \(id) --host \(bad) --event AfterInstall --db \(shellQuote(group.db))"), "\(after)")
            let verdict = try #require(lines.last)
            #expect(verdict.contains("deployment \(id) Failed: "), "\(verdict)")
            #expect(verdict.contains("failed: \(bad) in AfterInstall (ScriptFailed"), "the verdict names the host and event: \(verdict)")

            let show = try group.hoist(["show", id])
            #expect(show.stdout.contains("\(bad) AfterInstall failed; its last output (stdout and stderr):"), "\(show.stdout)")
            #expect(show.stdout.contains("  | config check: listen port missing in /etc/app.conf"))
            #expect(show.stdout.contains("  ! giving up"))
            #expect(show.stdout.contains("  all of it: hoist logs \(id) --host \(bad) --event AfterInstall"))
            let json = try group.hoist(["show", id, "--json"])
            #expect(json.stdout.contains("\"failedHookOutput\""), "\(json.stdout.suffix(2000))")
        }
    }

    @Test func quietPrintsNothingOnSuccessAndStrictFailsAPartialSuccess() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("quietstrict", hosts: names, config: "AllAtOnce")
            let good = try group.revision("good", version: "good")
            let quiet = try group.deploy(good, ["-q", "--description", "nightly cron, ticket OPS-42"])
            #expect(quiet.status == 0, "\(quiet.stderr)")
            // A warning (on stderr) makes -q print the verdict too: say which one it was.
            #expect(quiet.stdout.isEmpty, "a successful -q run prints nothing: \(quiet.stdout)\nstderr: \(quiet.stderr)")
            let quietID = try #require(try group.list().first?["id"] as? String)
            let shown = try group.hoist(["show", quietID]).stdout
            #expect(shown.range(of: #"Description +nightly cron, ticket OPS-42"#, options: .regularExpression) != nil,
                    "--description is recorded and shown: \(shown)")

            let bad = names[1]
            let partial = try group.revision("partial", version: "partial", hookBody: """
                if [ "$LIFECYCLE_EVENT" = AfterInstall ] && [ "$HOIST_HOST" = \(bad) ]; then echo "not today"; exit 1; fi
                """)
            let lenient = try group.deploy(partial)
            #expect(lenient.status == 0, "AllAtOnce with one host left is CodeDeploy's success: \(lenient.stdout)")
            let lenientLines = lenient.stdout.split(separator: "\n").map(String.init)
            #expect(lenientLines.contains { $0.contains("Succeeded: 1 succeeded, 1 failed; failed: \(bad) in AfterInstall") }, "\(lenient.stdout)")
            // The last line is the verdict, or says it again after a warning (a host left with
            // its application stopped, when an earlier test ran it there).
            #expect(lenientLines.last?.contains("Succeeded: 1 succeeded, 1 failed") == true, "\(lenient.stdout)")

            let strict = try group.deploy(partial, ["--strict", "-q"])
            #expect(strict.status == 3, "\(strict.stdout)\n\(strict.stderr)")
            let lines = strict.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.contains("\(bad) AfterInstall Failed") }, "-q keeps the failure: \(strict.stdout)")
            #expect(lines.contains { $0.contains("  | not today") }, "and its output: \(strict.stdout)")
            #expect(!lines.contains { $0.contains(" start") }, "-q drops progress lines: \(strict.stdout)")
            #expect(lines.last?.contains("--strict: 1 host failed; exit 3") == true, "the last line matches the exit code: \(strict.stdout)\nstderr: \(strict.stderr)")
        }
    }
}

