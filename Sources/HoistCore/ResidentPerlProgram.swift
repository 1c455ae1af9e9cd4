/// The contract between a perl program Hoist sends to hosts (the hook runner) and the resident
/// shell, which keeps one perl per session to run such programs without starting perl again:
/// a program whose first line is `firstLine` is compiled once per session and run, for each
/// command, in a fork of that perl. Starting perl and compiling the hook runner cost a host
/// about 1.1 ms of CPU on every hook; a fork costs a tenth of that.
///
/// Such a program must run the same as the body of a sub called once per fork: the variables
/// its named subs use are declared with `our`, not `my` (a named sub would keep the first
/// call's lexicals), it reads its arguments from `@ARGV` and ends with `exit`. Run with
/// `perl FILE` (an exec channel, a folder host) it works as any perl program.
public enum ResidentPerlProgram {
    public static let firstLine = "#hoist-resident"
}
