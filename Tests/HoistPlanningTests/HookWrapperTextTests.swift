import Foundation
import Testing
import HoistCore
@testable import HoistPlanning

/// The hook wrapper as text: which programs it starts on an ordinary run. Its behaviour is
/// tested by running it (HookRunnerTests, and on the fleet in DeployHookEndingTests).
@Suite struct HookWrapperTextTests {
    func hook(sudo: Bool = false, runAs: String? = nil, environment: [(String, String)] = [("DEPLOYMENT_ID", "d-1")],
              firstInEvent: Bool = true) -> HookInvocation {
        HookInvocation(event: .applicationStart, location: "scripts/start.sh", revisionRoot: "/r", timeoutSeconds: 30,
                       runAs: runAs, sudo: sudo, environment: environment, logFile: "/d/logs/scripts.log",
                       firstInEvent: firstInEvent, token: "abc")
    }

    @Test func theEnvironmentIsAssignedInFrontWithoutEnv() {
        #expect(hook().runner == "DEPLOYMENT_ID=d-1 setsid /r/scripts/start.sh")
        #expect(hook(runAs: "app").runner == "DEPLOYMENT_ID=d-1 setsid su app -c /r/scripts/start.sh")
        #expect(hook(environment: [("V", "it's $(x)")]).runner == "V=" + shellQuote("it's $(x)") + " setsid /r/scripts/start.sh")
    }

    /// The script path on the host is the revision root joined to `location` the way Ruby's
    /// File.join does it: a leading `/` or `./` adds no empty or `.` component.
    @Test func theScriptPathJoinsTheLocationToTheRevisionRoot() {
        func path(_ location: String) -> String {
            HookInvocation(event: .applicationStop, location: location, revisionRoot: "/r", timeoutSeconds: 30, logFile: "/d/l").absolutePath
        }
        #expect(path("scripts/stop.sh") == "/r/scripts/stop.sh")
        #expect(path("/scripts/stop.sh") == "/r/scripts/stop.sh")
        #expect(path("//scripts/stop.sh") == "/r/scripts/stop.sh")
        #expect(path("./scripts/stop.sh") == "/r/scripts/stop.sh")
    }

    /// sudo resets the environment, and a name the shell cannot assign still reaches the script.
    @Test func envStaysWhereAssignmentsCannotCarryTheEnvironment() {
        #expect(hook(sudo: true).runner == "setsid sudo -n env DEPLOYMENT_ID=d-1 /r/scripts/start.sh")
        #expect(hook(environment: [("A-B", "1")]).runner == "setsid env A-B=1 /r/scripts/start.sh")
        #expect(HookInvocation.isShellName("_A1") && !HookInvocation.isShellName("1A") && !HookInvocation.isShellName(""))
    }

    /// The sh wrapper (hosts without perl): one relay, the header lines its arguments,
    /// quoted; `date` only for the awk relay's header, a holder's report, a lost coordinator
    /// and the line saying why a script could not start.
    @Test func theShellWrapperHasOneRelayThatWritesTheHeader() {
        let text = hook().shellProgram
        #expect(text.components(separatedBy: "$(date").count == 5, "\(text)")
        #expect(text.contains("relay 'LifecycleEvent - ApplicationStart' 'Script - scripts/start.sh' </dev/null & rl=$!"))
        #expect(hook(firstInEvent: false).shellProgram.contains("relay 'Script - scripts/start.sh' </dev/null & rl=$!"))
        #expect(text.components(separatedBy: "& rl=$!").count == 2, "one relay process for both streams")
        // The script gets the FIFOs as stdout and stderr only: a daemon that redirects its
        // output must not hold them through another descriptor.
        #expect(text.contains(">&5 2>&6 5>&- 6>&- </dev/null & sp=$!"))
        #expect(text.contains("sleep 30 & tm=$!") && text.contains("sleep 5 & tm=$!"), "the deadline and the grace")
    }

    /// Where the probe wrote the runner (the host has perl), a hook's program is the runner's
    /// arguments and nothing else: the runner is not sent again with each hook. Without one,
    /// the program is the sh wrapper, which needs no perl.
    @Test func perlRunsTheHookFromTheFileTheProbeWrote() throws {
        var withRunner = hook()
        withRunner.runnerFile = "/d/hook-runner.pl"
        let text = withRunner.rendered
        #expect(text.hasPrefix("PERL_BADLANG= exec perl /d/hook-runner.pl /d/logs/scripts.log /r/scripts/start.sh "))
        #expect(text.count < 700, "\(text.count) bytes: \(text)")
        #expect(!hook().rendered.contains("perl"))
        #expect(hook().rendered == "set -u\n" + hook().shellProgram)
        // No module is loaded (each costs a read and a compile per hook), and nothing else runs
        // but the script (and, for `runas`, the passage grant).
        let runner = HookInvocation.perlRunner
        #expect(runner.split(separator: "\n").filter { $0.contains("use ") || $0.contains("require ") }.isEmpty)
        #expect(!runner.contains("$!{") && !runner.contains("POSIX") && !runner.contains("'"))
        #expect(runner.components(separatedBy: "system(").count == 2 && runner.contains("system(\"sh\", \"-c\", $grant) if length $grant"))
    }

    /// The runner loads no strict.pm on the hosts; it is compiled here under strict (and
    /// warnings), so a misspelt variable still fails a test. Its rare part, compiled on the
    /// host only when it runs (`eval q{…}`), is compiled here with the rest (`do {…}`).
    @Test(arguments: [false, true])
    func theRunnerCompilesUnderStrictAndWarnings(eager: Bool) async throws {
        let runner = HookInvocation.perlRunner
        #expect(runner.components(separatedBy: "eval q{").count == 2)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hook-runner-\(UUID().uuidString).pl")
        try (eager ? runner.replacingOccurrences(of: "eval q{", with: "do {") : runner).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (result, _, stderr) = try await LocalShell.capture("perl -Mstrict -w -c " + shellQuote(file.path))
        #expect(result.succeeded && stderr.trimmingCharacters(in: .newlines) == "\(file.path) syntax OK", "\(stderr)")
    }

    /// The runner's arguments: the fixed ones, the header lines and the environment, each
    /// counted, then the command; under sudo the environment travels in the command.
    @Test func theRunnerGetsTheEnvironmentAndTheCommandAsWords() {
        let plain = hook(environment: [("A", "it's $(x)"), ("A-B", "1")])
        #expect(plain.perlArguments == ["/d/logs/scripts.log", "/r/scripts/start.sh", "/d/logs/.hook-abc", "/r", "30", "5",
                                        "scripts/start.sh", "", "", "2", "LifecycleEvent - ApplicationStart",
                                        "Script - scripts/start.sh", "2", "A", "it's $(x)", "A-B", "1", "/r/scripts/start.sh"])
        #expect(Array(hook(sudo: true).perlArguments.suffix(7)) == ["Script - scripts/start.sh", "0", "sudo", "-n", "env",
                                                                   "DEPLOYMENT_ID=d-1", "/r/scripts/start.sh"])
        #expect(hook(sudo: true).perlCommand == ["sudo", "-n", "env", "DEPLOYMENT_ID=d-1", "/r/scripts/start.sh"])
        #expect(hook(runAs: "app").perlCommand == ["su", "app", "-c", "/r/scripts/start.sh"])
        #expect(hook(runAs: "app").perlArguments[7] == "app")
    }
}
