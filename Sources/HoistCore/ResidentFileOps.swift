/// Renames, removals, folders and modes in Hoist's own remote programs without starting a
/// program for each. A deployment's programs (the lock, the probe, unpacking, Install, the
/// host's record) ran `mv`, `rm`, `rmdir`, `mkdir` and `chmod` about twenty times per host, at
/// about a millisecond of the host's CPU each (more on a busy host) for one system call's work.
/// In the resident shell the session's resident perl does that call instead, asked over its
/// pipes; anywhere else (an exec channel, `sudo`, a host without perl) the program runs as it
/// always did.
///
/// A program opts in by starting with `functions`: shell functions that stand in for those
/// five programs. The resident shell sets `variable` (and leaves the perl's pipes open,
/// descriptors 8 and 9) for such a program only. Each call goes to the
/// perl when all of these hold, and to the real program otherwise:
/// - the variable is set and the request is short (one pipe write, so a kill cannot cut it);
/// - the perl takes the call: only the forms Hoist writes (`mv [-f] [-T] A B`, `rm [-f] [-r]`,
///   `rmdir [--ignore-fail-on-non-empty]`, `mkdir [-p] [-m MODE]`, `chmod MODE` with three
///   octal digits), only absolute paths without `.` or `..` parts, and only where the call
///   means what the program would do (`mv` onto a folder moves into it: the program's);
/// - it succeeds. Any failure runs the real program, which then fails with its own message
///   and status: every call is one that can be run again after a partial attempt.
///
/// A program that names `variable` must not leave a process running (the perl's pipes would
/// stay open in it), and creates folders with its own shell's umask (`mkdir` reads it from
/// `/proc/$$/status`: not a subshell's).
public enum ResidentFileOps {
    /// Set by the resident shell to the program's token when the perl is there to ask.
    public static let variable = "HOIST_FS"

    /// The shell functions a program starts with. POSIX sh; they reply only through the
    /// program's own words. A reply that is not this call's (left by a command killed while it
    /// waited) is skipped; a perl that is gone turns the fast path off for the program.
    public static let functions = #"""
        hoist_fs() {
          if [ -n "${HOIST_FS-}" ]; then
            hoist_fs_a=$*
            if [ "${#hoist_fs_a}" -lt 3000 ]; then
              hoist_fs_n=$((${hoist_fs_n:-0} + 1)); hoist_fs_t=$HOIST_FS.$hoist_fs_n; hoist_fs_st=
              trap '' PIPE
              if printf '%s\000' "$(($# + 3))" '' "$hoist_fs_t" "$$" "$@" 2>/dev/null >&8; then
                while IFS=' ' read -r hoist_fs_r hoist_fs_st <&9 || { hoist_fs_st=; false; }; do
                  [ "$hoist_fs_r" != "$hoist_fs_t" ] || break
                done
              fi
              trap - PIPE
              [ "$hoist_fs_st" != 0 ] || return 0
              [ -n "$hoist_fs_st" ] || HOIST_FS=
            fi
          fi
          command "$@"
        }
        mv() { hoist_fs mv "$@"; }
        rm() { hoist_fs rm "$@"; }
        rmdir() { hoist_fs rmdir "$@"; }
        mkdir() { hoist_fs mkdir "$@"; }
        chmod() { hoist_fs chmod "$@"; }

        """#
}
