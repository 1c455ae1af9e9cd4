import HoistCore

/// One perl kept per resident shell, started at its first `exec perl FILE ARGS…` command, that
/// runs each such command in a fork of itself: a `ResidentPerlProgram` (the hook runner) is
/// compiled once per session, any other file is exec'd from the fork as before. Starting perl
/// and compiling the runner cost a host about 1.1 ms of CPU and 2 ms of wall time per hook.
///
/// How a command keeps what it had as `( exec perl … )`:
/// - the fork joins the command's process group (announced by the command's subshell, which
///   waits for it), so a timeout or a stop that signals the group reaches it; when that group
///   is already gone it runs nothing;
/// - its stdin is /dev/null and its stdout and stderr are the channel's, and it holds no other
///   descriptor of the shell's;
/// - the command's status is the fork's: the subshell waits for the reply that carries its
///   own group id, so the reply of a command killed before its reply was read is skipped;
/// - the perl (a coprocess, in a process group of its own) ends when the shell does (its
///   request pipe closes); one that ended is started again at the next command.
enum ResidentPerl {
    /// Reads requests (`GROUP\0COUNT\0FILE\0ARG\0…`), answers `GROUP\0STATUS\0` once the fork
    /// has ended. It has no single quote: the prologue carries it as one quoted word.
    static let server = #"""
        $/ = "\0"; my %code; my $n = 0; my $first = "\#(ResidentPerlProgram.firstLine)\n";
        while (defined(my $id = <STDIN>)) {
          chomp $id;
          my $count = <STDIN> // last; chomp $count;
          my @a; for (1 .. $count) { my $x = <STDIN> // last; chomp $x; push @a, $x }
          last unless $count > 0 && @a == $count;
          my $file = $a[0];
          unless (exists $code{$file}) {
            my $c;
            if (open(my $f, "<", $file)) {
              local $/; my $src = <$f> // "";
              if (substr($src, 0, length $first) eq $first) {
                $n++; (my $at = $file) =~ tr/"\n//d;
                $c = eval "package HoistResident$n; sub {\n#line 1 \"$at\"\n$src\n}";
              }
            }
            $code{$file} = $c;
          }
          my $pid = fork;
          if (defined $pid && !$pid) {
            setpgrp(0, $id) or exit 125;
            open(STDIN, "<", "/dev/null"); open(STDOUT, ">&", 5); open(STDERR, ">&", 4);
            for my $fd (4, 5) { open(my $h, ">&=", $fd) and close $h }
            $/ = "\n"; @ARGV = @a[1 .. $#a];
            if (my $c = $code{$file}) { $c->(); exit 0 }
            exec { "perl" } "perl", @a; exit 127;
          }
          my $st = 126;
          if (defined $pid) { waitpid($pid, 0); $st = $? & 127 ? 128 + ($? & 127) : $? >> 8 }
          syswrite(STDOUT, "$id\0$st\0");
        }
        """#

    /// The shell functions, defined by the prologue. `hoist_perl_up` runs in the shell itself
    /// (the coprocess must outlive the command); its pipes move to descriptors 8 and 9, which
    /// the command's subshell keeps and every other command line closes (`ShellFraming`), so
    /// nothing a command leaves running can hold the perl's requests open. `hoist_perl_run`
    /// runs in the command's subshell, after the announcement that set `hoist_pgid`.
    static let functions = """
        hoist_perl_up() {
          [ -n "${hoist_perl_pid-}" ] && kill -0 "$hoist_perl_pid" 2>/dev/null && return 0
          hoist_perl_pid=
          command -v perl >/dev/null || return 0
          { coproc HOIST_PERL { exec perl -e \(shellQuote(server)); } } 5>&1
          exec 8>&"${HOIST_PERL[1]}" 9<&"${HOIST_PERL[0]}" && hoist_perl_pid=$HOIST_PERL_PID
        }
        hoist_perl_run() {
          [ -n "${hoist_perl_pid-}" ] || exec perl "$@" 8>&- 9>&-
          printf '%s\\0' "$hoist_pgid" "$#" "$@" >&8 || exit 126
          while IFS= read -r -d '' hoist_id <&9 && IFS= read -r -d '' hoist_st <&9; do
            [ "$hoist_id" = "$hoist_pgid" ] && exit "$hoist_st"
          done
          printf 'hoist: the resident perl ended while running %s\\n' "$1" >&2
          exit 126
        }

        """

    /// The command line for `exec perl WORDS` (WORDS as `shellJoin` writes them).
    static func command(words: Substring) -> String {
        "hoist_perl_up; ( \(RemoteCommandWrapper.announced("hoist_perl_run " + words)) )"
    }
}
