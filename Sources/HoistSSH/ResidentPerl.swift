import HoistCore

/// One perl kept per resident shell, started at its first `PERL_BADLANG= exec perl FILE ARGS…`
/// command (`ResidentPerlProgram.start`), that runs each such command in a fork of itself: a
/// `ResidentPerlProgram` (the hook runner) is compiled once per session, any other file is
/// exec'd from the fork as before. Starting perl and compiling the runner cost a host about
/// 1.1 ms of CPU per hook, and the subshell that exec'd it a fork more.
///
/// How a command keeps what it had as `( exec perl … )`:
/// - the fork is a process group of its own and announces it as a command's subshell does
///   (`RemoteCommandWrapper`'s marker, its first stderr line), so a timeout or a stop
///   reaches it;
/// - its stdin is /dev/null and its stdout and stderr are the channel's, and it holds no other
///   descriptor of the shell's;
/// - the shell itself waits for the perl's answer, the fork's status, so no answer is ever
///   left unread;
/// - the perl (a coprocess, in a process group of its own) ends when the shell does (its
///   request pipe closes); one that ended is started again at the next command, and where
///   none runs the command runs as before.
enum ResidentPerl {
    /// Reads requests (`COUNT\0FILE\0ARG\0…`), answers `STATUS\0` once the fork has ended. It
    /// has no single quote: the prologue carries it as one quoted word.
    static let server = #"""
        $/ = "\0"; my %code; my $n = 0; my $first = "\#(ResidentPerlProgram.firstLine)\n";
        \#(ResidentPerlFileOps.subs)
        while (defined(my $count = <STDIN>)) {
          chomp $count;
          my @a; for (1 .. $count) { my $x = <STDIN> // last; chomp $x; push @a, $x }
          last unless $count > 0 && @a == $count;
        \#(ResidentPerlFileOps.request)
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
            setpgrp(0, 0);
            open(STDIN, "<", "/dev/null"); open(STDOUT, ">&", 5); open(STDERR, ">&", 4);
            for my $fd (4, 5) { open(my $h, ">&=", $fd) and close $h }
            syswrite(STDERR, "\#(RemoteCommandWrapper.marker)$$\n");
            $/ = "\n"; @ARGV = @a[1 .. $#a];
            if (my $c = $code{$file}) { $c->(); exit 0 }
            exec { "perl" } "perl", @a; exit 127;
          }
          my $st = 126;
          if (defined $pid) { waitpid($pid, 0); $st = $? & 127 ? 128 + ($? & 127) : $? >> 8 }
          syswrite(STDOUT, "$st\0");
        }
        """#

    /// The shell functions, defined by the prologue. `hoist_perl FILE ARGS…` runs in the shell
    /// itself (the coprocess must outlive the command, and a subshell would be a fork more per
    /// hook): it starts the perl when none runs (`hoist_perl_up`), hands it the command and
    /// returns the fork's status. The coprocess pipes are opened again as descriptors 8 and 9
    /// (through /proc: bash keeps a coprocess descriptor's close-on-exec on a copy, and a
    /// program of `ResidentFileOps`, which `hoist_fs_up` readies, writes to them). Every other
    /// command line closes them (`ShellFraming`), and so does the perl, so nothing a command
    /// leaves running holds the perl's requests open. A hook's answer may come after a file
    /// operation's that nobody read (its program was killed while it waited): the status is
    /// what follows the last newline. Where no perl runs, or the request cannot be written (a perl
    /// that ended: SIGPIPE is ignored for that write, so the shell lives on), nothing ran, and
    /// the command runs in a subshell as before. The perl's own stderr goes nowhere (each fork
    /// takes the command's): perl complains there on starting where the host's locale is not
    /// installed (`LANG=en_US.UTF-8` with no such locale), and that is no hook's output. The
    /// command's `PERL_BADLANG=` goes to `hoist_perl` as it came, for the perl it may start.
    static let functions = """
        hoist_perl_up() {
          if [ -n "${hoist_perl_pid-}" ] && kill -0 "$hoist_perl_pid" 2>/dev/null; then
            # A perl that was killed stays a zombie until the shell reaps it: not alive.
            hoist_s=; read -r _ _ hoist_s _ </proc/"$hoist_perl_pid"/stat 2>/dev/null
            [ "$hoist_s" != Z ] && return 0
          fi
          hoist_perl_pid=
          command -v perl >/dev/null || return 1
          { coproc HOIST_PERL { exec perl -e \(shellQuote(server)) 2>/dev/null 8>&- 9>&-; } } 5>&1
          exec 8>/proc/self/fd/"${HOIST_PERL[1]}" 9</proc/self/fd/"${HOIST_PERL[0]}" && hoist_perl_pid=$HOIST_PERL_PID
        }
        hoist_fs_up() {
          hoist_fs=
          hoist_perl_up || return 0
          hoist_fs_n=$((${hoist_fs_n:-0} + 1)); hoist_fs=$hoist_fs_n
        }
        hoist_perl() {
          if hoist_perl_up; then
            trap '' PIPE
            printf '%s\\0' "$#" "$@" >&8 2>/dev/null; hoist_w=$?
            trap - PIPE
            if [ "$hoist_w" -eq 0 ]; then
              IFS= read -r -d '' hoist_st <&9 && return "${hoist_st##*$'\\n'}"
              printf 'hoist: the resident perl ended while running %s\\n' "$1" >&2
              return 126
            fi
            hoist_perl_pid=
          fi
          ( \(RemoteCommandWrapper.announced("exec perl \"$@\"")) ) \(ShellFraming.shellDescriptorsClosed)
        }

        """

    /// The command line for `ResidentPerlProgram.start` WORDS (WORDS as `shellJoin` writes
    /// them), up to the framing's end.
    static func command(words: Substring) -> String {
        "\(ResidentPerlProgram.quietLocale) hoist_perl \(words) </dev/null 2>&4"
    }
}
