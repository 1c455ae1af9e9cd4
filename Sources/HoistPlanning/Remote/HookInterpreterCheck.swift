import HoistCore

/// Why a hook the host could not start did not start, when its first line is the reason: the
/// kernel's "No such file or directory" (exit 127; 126 through a login shell's "bad
/// interpreter") names the script, not the interpreter it could not find. Most often that is
/// a script saved with Windows line endings, whose shebang names `/bin/bash\r`. Both wrappers
/// check after the script ended with 126 or 127 (a path that costs nothing otherwise) and put
/// the same line on stderr and in scripts.log; `HookRunnerTests` holds them to it.
///
/// A script refused with 126 and no such first line may sit on a file system mounted
/// `noexec` (the deployment root on a hardened /var): the kernel's "Permission denied" then
/// names the script, whose mode allows running it. The mount point comes from
/// /proc/self/mountinfo (the longest one holding the script; spaces there are `\040`).
extension HookInvocation {
    /// For the perl runner (`perlRunner`): no single quote, no module.
    static let perlInterpreterCheck = #"""
if ($ending eq "exited" && ($rc == 126 || $rc == 127) && open(my $h, "<", $script)) {
  my ($f, $w) = (""); read($h, $f, 256); ($f) = $f =~ /^([^\n]*)/; close $h;
  if ($f =~ /^#!(.*)\r$/) { my ($b) = $1; my ($last) = $b =~ /([^ \t]*)$/; $f =~ s/\r$//; $w = "$loc has Windows line endings (CRLF): its first line, `$f`, ends in a carriage return, which the host reads as part of `$last\\r`, so the script does not start; convert it with dos2unix" }
  elsif ($f =~ /^#![ \t]*([^ \t]+)/) { my $i = $1; $w = "$loc names the interpreter $i in its first line, which does not exist on this host" unless -e $i }
  if (!defined $w && $rc == 126 && open(my $m, "<", "/proc/self/mountinfo")) {
    my ($at, $o) = ("");
    while (<$m>) { my @x = split " "; (my $p = $x[4]) =~ s/\\040/ /g; if (index("$script/", $p eq "/" ? "/" : "$p/") == 0 && length $p >= length $at) { ($at, $o) = ($p, $x[5]) } }
    $w = "$loc cannot run: the host mounts $at noexec, and the deployment root is on it; mount it without noexec, or set deployment_root in the inventory to a folder where programs may run" if defined $o && ",$o," =~ /,noexec,/;
  }
  if (defined $w) { print STDERR "hoist: $w\n"; print $l stamp(), "[stderr]hoist: $w\n" if $l }
}
"""#

    /// For the sh wrapper (`shellProgram`), once the relay has ended.
    var shellInterpreterCheck: String {
        "ic_loc=\(shellQuote(location))\n" + #"""
            case "$ending:$rc" in exited:126|exited:127)
              ic_first=; IFS= read -r ic_first <"$script" 2>/dev/null; ic_cr=$(printf '\r'); ic_said=
              case $ic_first in
                '#!'*"$ic_cr")
                  ic_first=${ic_first%"$ic_cr"}; set -f; set -- ${ic_first#??}; set +f; ic_last=
                  for ic_last do :; done
                  ic_said=$(printf '%s has Windows line endings (CRLF): its first line, `%s`, ends in a carriage return, which the host reads as part of `%s\\r`, so the script does not start; convert it with dos2unix' "$ic_loc" "$ic_first" "$ic_last") ;;
                '#!'*)
                  set -f; set -- ${ic_first#??}; set +f
                  if [ -n "${1:-}" ] && [ ! -e "$1" ]; then ic_said="$ic_loc names the interpreter $1 in its first line, which does not exist on this host"; fi ;;
              esac
              if [ -z "$ic_said" ] && [ "$rc" -eq 126 ]; then
                ic_at=$(awk -v s="$script/" '{ p = $5; gsub(/\\040/, " ", p); q = p == "/" ? "/" : p "/"
                  if (index(s, q) == 1 && length(p) >= length(at)) { at = p; o = $6 } } END { if (("," o ",") ~ /,noexec,/) print at }' /proc/self/mountinfo 2>/dev/null)
                if [ -n "$ic_at" ]; then ic_said="$ic_loc cannot run: the host mounts $ic_at noexec, and the deployment root is on it; mount it without noexec, or set deployment_root in the inventory to a folder where programs may run"; fi
              fi
              if [ -n "$ic_said" ]; then
                printf 'hoist: %s\n' "$ic_said" >&2
                printf '%s [stderr]hoist: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$ic_said" >>"$log"
              fi ;;
            esac
            """#
    }
}
