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

    /// How Hoist starts a perl program on a host: `start` and then FILE ARGS as `shellJoin`
    /// writes them, whatever runs it (an exec channel on a host without bash, sudo's shell
    /// under `become`, the resident shell, which runs it in a fork of its perl). Where LANG or
    /// an LC_ variable names a locale the host lacks, perl complains on starting ("perl:
    /// warning: Setting locale failed", five lines on stderr), and that is no output of the
    /// command: `quietLocale` keeps it back. A program that starts others (the hook runner)
    /// takes that empty value out of their environment again.
    public static let start = quietLocale + " exec perl "
    public static let quietLocale = "PERL_BADLANG="
}
