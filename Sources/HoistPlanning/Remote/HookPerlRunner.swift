import HoistCore

/// The hook wrapper where the host has perl (every Debian and Ubuntu host: perl-base is
/// essential there): one perl process runs the script and relays its output, in place of the
/// sh wrapper's mkfifo, relay, setsid, deadline sleep and rm. A host pays a fork and an exec
/// for each program, and with five hooks per deployment those were most of what Hoist cost a
/// host beyond the work itself. The probe writes the runner into the deployment's folder
/// once (`HostCommands.probe`), so each hook sends only its arguments. The sh wrapper
/// (`HookInvocation.shellProgram`) stays for hosts without perl; both answer in the same
/// lines and keep the same guarantees, and `HookRunnerTests` runs each test against both.
///
/// How the guarantees are kept:
/// - the key line and the status lines are the sh wrapper's (`HookStatusReader`);
/// - the script runs in a process group of its own (`setpgrp`), with the environment set
///   in the child (any name, no `env` program; under `sudo`, which resets it, through
///   `env` after `sudo` as before), stdin from /dev/null and two pipes as stdout and stderr;
/// - the pipes are relayed line by line, as they come, and appended to scripts.log in the
///   CodeDeploy agent's format; a line longer than 64 KiB goes on in pieces as it comes
///   (whole in the log, under one stamp), so the runner holds at most that much of it;
/// - the deadline is kept in the relay's own loop: TERM to the group and the script's
///   descendants when the timeout passes, KILL after the grace period, on the clock of
///   /proc/uptime (a one-second `time` would end a script up to a second early);
/// - `.pid` exists from the start (empty) to the end, so the kill program (`killCommand`)
///   knows the run is alive, and holds "runner script" once the script runs;
/// - when the script has ended but its output is still open at its deadline (at most
///   `outputHoldSeconds` after it exited; a second after a timeout), the holders
///   are found by the pipes' inodes in /proc/*/fd, named in scripts.log, and a drainer
///   child keeps their output in the log while the runner reports and ends the channel;
/// - when the channel goes (the coordinator was killed, its host lost the network, sshd
///   died), the script is stopped as at its deadline: nobody will ever hear how it ended,
///   and a script left running would go on changing the host under the next deployment.
///   The runner's stdout is the pipe sshd reads; select() reports a pipe whose reader is
///   gone as readable (POLLERR), so the relay's own loop sees it without polling. SIGPIPE is
///   ignored by the runner (not by the script), so a write to the dead channel cannot end
///   the runner before it stops the script.
extension HookInvocation {
    /// The program: the perl runner from `runnerFile` where the probe wrote one (started as
    /// `ResidentPerlProgram.start` says, so perl's complaint about a locale the host lacks is
    /// no hook's output), else the sh wrapper.
    var program: String {
        guard let runnerFile else { return "set -u\n" + shellProgram }
        return ResidentPerlProgram.start + shellJoin([runnerFile] + perlArguments)
    }

    /// What the runner execs: the script, `su <user> -c <path>` for `runas` (the user's login
    /// shell runs it, as with the CodeDeploy agent), `sudo -n env NAME=value… <command>` when
    /// asked for sudo.
    var perlCommand: [String] {
        let target = runAs.map { ["su", $0, "-c", shellQuote(absolutePath)] } ?? [absolutePath]
        guard sudo else { return target }
        return ["sudo", "-n", "env"] + environment.map { "\($0.0)=\($0.1)" } + target
    }

    /// The runner's arguments: log, script, scratch prefix, working folder, timeout, grace,
    /// location, runas user (or empty), the passage grant (a sh command, or empty), the count
    /// and the header lines, the count and the environment's name/value pairs (empty under
    /// sudo: they travel in the command), then the command.
    var perlArguments: [String] {
        let env = sudo ? [] : environment.flatMap { [$0.0, $0.1] }
        return [logFile, absolutePath, scratch, revisionRoot, String(timeoutSeconds), String(killGraceSeconds), location,
                runAs ?? "", grantPassage, String(logHeader.count)] + logHeader + [String(env.count / 2)] + env + perlCommand
    }

    /// The runner. It has no single quote, so the probe's printf carries it as one quoted
    /// word; it loads no module (each costs the host a file read and a compile on every hook):
    /// EINTR is Linux's 4 and WNOHANG its 1. Not even strict.pm, a sixth of the runner's
    /// start-up: `HookWrapperTextTests` compiles it with `perl -Mstrict` instead. Its first
    /// line makes it a `ResidentPerlProgram`: through the resident shell, a session compiles
    /// it once and each hook runs in a fork (hence `our` for what its named subs use).
    public static let perlRunner = #"""
\#(ResidentPerlProgram.firstLine)
our ($log, $script, $d, $cwd, $due, $grace, $loc, $runas, $grant, @rest) = @ARGV;
our @header = splice(@rest, 0, shift @rest);
our @env = splice(@rest, 0, 2 * shift @rest);
our @cmd = @rest;
$| = 1; select((select(STDERR), $| = 1)[0]);
$SIG{PIPE} = "IGNORE";
# The kill program reads .pid: its being there says this run is alive, its line which to kill.
open(my $pf, ">", "$d.pid") or exit 0;
our $k; if (open(my $u, "<", "/proc/sys/kernel/random/uuid")) { $k = <$u> }
unless (defined $k) { unlink "$d.pid"; exit 0 }
chomp $k;
our (%s, $errfd, $keep);
# A status line starts a line of its own, even after a piece of a long stderr line.
sub report { my $e = defined $errfd && $s{$errfd}; print STDERR "\n" if $e && $e->[4]; print STDERR "\036HOIST-HOOK $k @_\n" }
sub done { unlink "$d.pid", "$d.killed"; exit 0 }
print STDERR "\036HOIST-HOOK $k\n";
sub stamp { my @t = localtime; sprintf "%04d-%02d-%02d %02d:%02d:%02d ", $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0] }
our $l; if (open($l, ">>", $log)) { select((select($l), $| = 1)[0]) } else { undef $l }
if ($l) { print $l stamp(), $_, "\n" for @header }
unless (-f $script) { report "missing"; done() }
unless (-x $script) { chmod(((stat $script)[2] & 07777) | (0111 & ~umask), $script) or do { report "notexec"; done() } }
chdir $cwd or do { report "error cd"; done() };
system("sh", "-c", $grant) if length $grant;
our ($ro, $wo, $re, $we);
pipe($ro, $wo) and pipe($re, $we) or do { report "error pipe"; done() };
our $sp = fork;
defined $sp or do { report "error fork"; done() };
if (!$sp) {
  # A process group of its own: the deadline and a kill stop the script and all it started.
  setpgrp(0, 0);
  open(STDIN, "<", "/dev/null"); open(STDOUT, ">&", $wo); open(STDERR, ">&", $we);
  delete $ENV{PERL_BADLANG} if ($ENV{PERL_BADLANG} // 0) eq "";
  for (my $i = 0; $i < @env; $i += 2) { $ENV{$env[$i]} = $env[$i + 1] }
  $SIG{PIPE} = "DEFAULT";
  { exec { $cmd[0] } @cmd }
  print STDERR "hoist: cannot run $cmd[0]: $!\n";
  exit($! == 2 ? 127 : 126);
}
close $wo; close $we;
# One write of the whole line into the file made empty above: the kill program reads nothing
# or all of it, and no second file is made (on ext4 without a journal, every new file costs
# a search past the inodes deleted in the last minutes).
syswrite($pf, "$$ $sp\n"); close $pf;
sub now { my $x; if (open(my $f, "<", "/proc/uptime")) { $x = <$f> } ($x // time) + 0 }
sub tree {
  my @kids;
  if (opendir(my $t, "/proc/$_[0]/task")) {
    for my $id (grep { /^\d+$/ } readdir $t) { if (open(my $c, "<", "/proc/$_[0]/task/$id/children")) { push @kids, split(" ", <$c> // "") } }
  }
  map { ($_, tree($_)) } @kids;
}
sub stopall { kill $_[0], -$sp, tree($sp) }
# Each stream: its pipe, where it is relayed, its tag in the log, what is held of a line
# not yet ended, and whether a piece of a line was passed on without its end.
$errfd = fileno($re);
%s = (fileno($ro) => [$ro, \*STDOUT, "[stdout]", "", 0], $errfd => [$re, \*STDERR, "[stderr]", "", 0]);
our ($t0, $phase, $idle, $rc, $ending, $late) = (now(), 0, 0);
# The channel: watched while it is a pipe (the one sshd reads, or a local coordinator).
our ($chan, $gone) = (-p STDOUT ? fileno(STDOUT) : undef);
sub gone {
  undef $chan; $gone = 1;
  my $open = grep { $_->[4] } values %s;
  print $l ($open ? "\n" : ""), stamp(), "[stderr]hoist: the connection to the coordinator closed; stopping $loc\n" if $l;
  if (!defined $rc && $phase == 0) { stopall("TERM"); ($phase, $due) = (1, now() - $t0) }
}
sub put {
  my ($s, $x) = @_; print { $s->[1] } $x;
  my $h = $s->[4] ? "" : stamp() . $s->[2]; print $l $h, $x if $l; $s->[4] = substr($x, -1) ne "\n";
  # A drainer keeps only so much of what the leftover processes print: a chatty daemon would fill the disk.
  if (defined $keep && $l && ($keep -= length($h) + length($x)) < 0) {
    print $l ($s->[4] ? "\n" : ""), stamp(), "[stderr]hoist: the output of what $loc left running is not kept past \#(HookInvocation.drainedOutputBytes >> 20) MiB\n";
    undef $l;
  }
}
sub pump {
  my ($wait) = @_;
  my $r = ""; vec($r, $_, 1) = 1 for keys %s;
  vec($r, $chan, 1) = 1 if defined $chan;
  return if select($r, undef, undef, $wait) < 1;
  gone() if defined $chan && vec($r, $chan, 1);
  for my $f (keys %s) {
    next unless vec($r, $f, 1);
    my $s = $s{$f};
    my $n = sysread($s->[0], my $got, 65536);
    next if !defined $n && $! == 4;
    if (!$n) { put($s, $s->[3] . "\n") if length $s->[3] || $s->[4]; delete $s{$f}; next }
    $s->[3] .= $got;
    while ((my $i = index($s->[3], "\n")) >= 0) { put($s, substr($s->[3], 0, $i + 1, "")) }
    # A line longer than 64 KiB (a \r progress bar, a dump) goes on in pieces as it comes: the
    # log still holds it whole, under one stamp, and the runner never more than this of it.
    if (length $s->[3] >= 65536) { put($s, $s->[3]); $s->[3] = "" }
  }
}
# One loop relays the output, keeps the deadline and sees the script end (waitpid WNOHANG).
while (1) {
  my $t = now() - $t0;
  if (!defined $rc && waitpid($sp, 1) == $sp) {
    $rc = $? & 127 ? 128 + ($? & 127) : $? >> 8;
    $ending = -e "$d.killed" ? "killed" : $phase ? "timedout" : "exited";
    stopall("KILL") if $ending ne "exited";
    # Output still open after the end is held by a process that outlived the script: as
    # long as the agent would wait for it (the deadline), but at most a few seconds, or,
    # after a timeout or a kill, a second.
    $late = $t + 1;
    if ($ending eq "exited") { my $h = $t + \#(HookInvocation.outputHoldSeconds); $h = $due if $due < $h; $late = $h if $h > $late }
  }
  if (!defined $rc) {
    if ($phase == 0 && $t >= $due) { stopall("TERM"); $phase = 1 }
    if ($phase == 1 && $t >= $due + $grace) { stopall("KILL"); $phase = 2 }
  } elsif (defined $late && $t >= $late) {
    undef $late;
    # Compiled only when a script left its output open (rare): it is a fifth of what compiling the runner costs.
    eval q{
      my %ours = map { ((stat $_->[0])[1] => 1) } values %s;
      my @holders;
      if (opendir(my $pd, "/proc")) {
        for my $p (grep { /^\d+$/ && $_ != $$ } readdir $pd) {
          opendir(my $fd, "/proc/$p/fd") or next;
          for (readdir $fd) { my $to = readlink "/proc/$p/fd/$_"; if (defined $to && $to =~ /^pipe:\[(\d+)\]$/ && $ours{$1}) { push @holders, $p; last } }
        }
      }
      if (@holders) {
        for my $p (@holders) {
          my $c = ""; if (open(my $f, "<", "/proc/$p/cmdline")) { local $/; $c = <$f> // ""; $c =~ tr/\0/ / }
          print $l stamp(), "[stderr]hoist: process $p ($c) still holds the output of $loc\n" if $l;
        }
        # A drainer keeps their output in the log; the runner reports and ends the channel.
        my $drainer = fork;
        if (defined $drainer && !$drainer) {
          undef $chan;
          open(STDIN, "<", "/dev/null"); open(STDOUT, ">", "/dev/null"); open(STDERR, ">", "/dev/null");
          $keep = \#(HookInvocation.drainedOutputBytes);
          pump(undef) while %s;
          done();
        }
        report($ending eq "exited" ? ("leftopen", $rc, @holders) : ($ending, $rc));
        exit 0;
      }
    };
    die $@ if $@;
  }
  # With the channel gone, nothing is reported: whatever the script left behind is stopped.
  if ($gone && defined $rc) { stopall("KILL"); done() }
  last if !%s && defined $rc;
  my $wait = 1;
  # With no output left to wait on, the script ends unseen: look again soon, then less often.
  $wait = 0.002 * 2 ** $idle++ if !%s && $idle < 9;
  if (!defined $rc && $phase < 2) { my $next = ($phase ? $due + $grace : $due) - $t; $wait = $next if $next < $wait }
  elsif (defined $late && $late - $t < $wait) { $wait = $late - $t }
  pump($wait < 0 ? 0 : $wait);
}
\#(perlInterpreterCheck)
if (length $runas && $ending eq "exited" && $rc != 0) { my @pw = getpwnam($runas); report("runas", @pw ? ("shell", $pw[8]) : "nouser") }
report $ending, $rc;
done();
"""#
}
