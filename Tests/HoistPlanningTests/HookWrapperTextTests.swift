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

    /// sudo resets the environment, and a name the shell cannot assign still reaches the script.
    @Test func envStaysWhereAssignmentsCannotCarryTheEnvironment() {
        #expect(hook(sudo: true).runner == "setsid sudo -n env DEPLOYMENT_ID=d-1 /r/scripts/start.sh")
        #expect(hook(environment: [("A-B", "1")]).runner == "setsid env A-B=1 /r/scripts/start.sh")
        #expect(HookInvocation.isShellName("_A1") && !HookInvocation.isShellName("1A") && !HookInvocation.isShellName(""))
    }

    /// The timestamps come from the relay: `date` runs only in the awk fallback (a host
    /// without perl) and for a holder's report; no second relay; the header lines are the
    /// relay's arguments, quoted.
    @Test func oneRelayWritesTheHeaderAndNoDateRuns() {
        let text = hook().rendered
        #expect(text.components(separatedBy: "$(date").count == 3, "\(text)")
        let perl = text.range(of: "exec perl")?.lowerBound
        let awkHeader = text.range(of: "for h in \"$@\"; do printf")?.lowerBound
        #expect(perl != nil && awkHeader != nil && perl! < awkHeader!, "perl, where there is one, replaces the relay first")
        #expect(text.contains("relay \"$d.t\" 'LifecycleEvent - ApplicationStart' 'Script - scripts/start.sh' </dev/null & rl=$!"))
        #expect(hook(firstInEvent: false).rendered.contains("relay \"$d.t\" 'Script - scripts/start.sh' </dev/null & rl=$!"))
        #expect(text.components(separatedBy: "& rl=$!").count == 2, "one relay process for both streams")
        // The script gets the FIFOs as stdout and stderr only: a daemon that redirects its
        // output must not hold them through another descriptor.
        #expect(text.contains(">&5 2>&6 5>&- 6>&- 7>&- </dev/null & sp=$!"))
    }

    /// After the script's exit the relay gets a second before the wrapper looks for a holder
    /// of the output. The perl relay times it itself (told by the end of the `.t` FIFO, which
    /// only the wrapper holds: not the script, not the deadline's sleep); only the awk relay
    /// costs a `sleep 1`.
    @Test func theRelaysSecondCostsNoProgramWherePerlRelays() {
        let text = hook().rendered
        #expect(text.components(separatedBy: "sleep 1 &").count == 2, "one `sleep 1`, in the awk branch")
        let perlBranch = text.range(of: "until ended \"$rl\" || [ -n \"$late\" ]; do wait \"$rl\"; done")?.lowerBound
        let awkBranch = text.range(of: "sleep 1 &")?.lowerBound
        #expect(perlBranch != nil && awkBranch != nil && perlBranch! < awkBranch!)
        #expect(text.contains("sleep 30 7>&- & tm=$!"), "the deadline does not hold `.t`")
        #expect(text.contains("exec 5>\"$d.o\" 6>\"$d.e\" 7>\"$d.t\""))
    }
}
