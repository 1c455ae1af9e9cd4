import HoistCore

/// The resident perl's side of `ResidentFileOps`: a request whose file is empty is a file
/// operation, done in the perl itself (no fork) and answered `TOKEN STATUS\n`, 0 when it was
/// done and 1 when the program should run instead (a form it does not take, or a failure,
/// which the program reports in its own words).
///
/// The rules that keep each call what the program would have done:
/// - `mv` without `-T` onto a folder (or a link to one) moves into it: not taken. Onto the
///   same file: mv refuses, so not taken.
/// - `rm -r` removes a tree without following links (lstat), as rm does; without `-r` a
///   folder is not taken; `-f` passes over only what does not exist.
/// - `chmod` takes no file with set-user-ID, set-group-ID or sticky bits: chmod keeps some of
///   those on folders, and its rules are its own.
/// - `mkdir` makes folders with the program's umask (read from `/proc/PID/status`, the perl
///   sets it for the call only); `-p` makes missing parents; `-m` makes the folder with that
///   mode and then sets it exactly, as mkdir does. A umask that takes the owner's write or
///   search bits is not taken (mkdir -p keeps them on parents).
enum ResidentPerlFileOps {
    /// Perl subs for the server; no single quote (the prologue carries the server as one
    /// quoted word). `hoist_fs(PID, PROGRAM, WORDS…)` returns the status to answer.
    static let subs = #"""
        sub hoist_fs {
          my ($pid, $op, @w) = @_;
          my %allowed = (mv => "fT", rm => "frR", rmdir => "i", mkdir => "pm", chmod => "");
          return 1 unless defined $op && exists $allowed{$op};
          my (%f, $mode);
          while (@w && substr($w[0], 0, 1) eq "-") {
            my $o = shift @w;
            last if $o eq "--";
            if ($o eq "--ignore-fail-on-non-empty") { $f{i} = 1 }
            elsif ($o eq "-m" && @w) { $f{m} = 1; $mode = shift @w }
            elsif ($o =~ /^-([fTrRp]+)$/) { $f{$_} = 1 for split //, $1 }
            else { return 1 }
          }
          for (keys %f) { return 1 if index($allowed{$op}, $_) < 0 }
          $mode = shift @w if $op eq "chmod";
          return 1 if defined $mode && $mode !~ /^[0-7]{3}$/;
          return 1 unless @w;
          for (@w) { return 1 unless m{^/} && !m{/$} && !m{(^|/)\.\.?(/|$)} }
          if ($op eq "mv") {
            return 1 unless @w == 2;
            my @s = lstat $w[0];
            return 1 unless @s;
            return 1 if !$f{T} && -d $w[1];
            my @d = lstat $w[1];
            return 1 if @d && $s[0] == $d[0] && $s[1] == $d[1];
            return rename($w[0], $w[1]) ? 0 : 1;
          }
          if ($op eq "rm") {
            for my $p (@w) {
              if (!lstat $p) { return 1 unless $f{f} && $! == 2; next }
              if (-d _) { return 1 unless ($f{r} || $f{R}) && hoist_fs_tree($p) }
              elsif (!unlink $p) { return 1 }
            }
            return 0;
          }
          if ($op eq "rmdir") {
            for (@w) { rmdir $_ or ($f{i} && ($! == 39 || $! == 17)) or return 1 }
            return 0;
          }
          if ($op eq "chmod") {
            return 1 unless defined $mode;
            for (@w) { my @st = stat $_; return 1 unless @st && !($st[2] & 07000) && chmod(oct $mode, $_) }
            return 0;
          }
          return 1 if $f{m} && ($f{p} || !defined $mode);
          my $um = hoist_fs_umask($pid);
          return 1 unless defined $um && !($um & 0300);
          my $old = umask $um;
          my $ok = 1;
          for my $p (@w) {
            $ok = $f{p} ? hoist_fs_path($p) : mkdir($p, $f{m} ? oct $mode : 0777) && (!$f{m} || chmod(oct $mode, $p));
            last unless $ok;
          }
          umask $old;
          return $ok ? 0 : 1;
        }
        sub hoist_fs_tree {
          my ($p) = @_;
          opendir(my $h, $p) or return 0;
          my @e = grep { $_ ne "." && $_ ne ".." } readdir $h;
          closedir $h;
          for my $e (@e) {
            my $c = "$p/$e";
            if (!lstat $c) { next if $! == 2; return 0 }
            if (-d _) { hoist_fs_tree($c) or return 0 } else { unlink $c or return 0 }
          }
          return rmdir $p;
        }
        sub hoist_fs_path {
          my ($p) = @_;
          return 1 if -d $p;
          my $at = "";
          for my $part (grep { length } split m{/}, $p) {
            $at .= "/$part";
            next if -d $at;
            mkdir $at or -d $at or return 0;
          }
          return 1;
        }
        sub hoist_fs_umask {
          my ($pid) = @_;
          return undef unless defined $pid && $pid =~ /^[0-9]+$/;
          open(my $h, "<", "/proc/$pid/status") or return undef;
          local $/ = "\n";
          while (my $l = <$h>) { return oct $1 if $l =~ /^Umask:\s*([0-7]+)/ }
          return undef;
        }

        """#

    /// The server's branch for such a request (`@a`: the file, the token, then `hoist_fs`'s
    /// arguments).
    static let request = #"""
          if ($a[0] eq "") {
            (my $t = $a[1] // "") =~ tr/\n //d;
            my $st = @a >= 4 ? hoist_fs(@a[2 .. $#a]) : 1;
            syswrite(STDOUT, "$t $st\n");
            next;
          }

        """#
}
