import HoistCore

/// The fixed part of the rendered install script: shell functions the per-path lines call.
/// Kept apart from the renderer so the per-plan part stays short and readable.
enum InstallScriptPrelude {
    static let text = #"""
set -u
hoist_fail() { printf '%s\n' "$*" >&2; exit 4; }
# Working lists, so a reader can see afterwards what the last Install checked; every one
# is rewritten each run, before it is read. Sourced (`HostCommands.install`), the script is
# told where (the group's folder); run as `sh FILE`, they go beside it.
if [ -z "${hoist_tmp:-}" ]; then
  case $0 in */*) hoist_tmp=${0%/*}/install.work ;; *) hoist_tmp=install.work ;; esac
fi
[ -d "$hoist_tmp" ] || mkdir -p -- "$hoist_tmp" || hoist_fail "Could not create the folder $hoist_tmp."
hoist_exists=\#(shellQuote(InstallPlanMessages.conflict))
hoist_few=64

# Conflicts are found before anything is deleted, and all of them are reported: one find
# gives the type of every destination and of every path the previous install recorded (a
# few processes for any number of paths: a fork per path is what makes big installs slow),
# and one awk decides, in CodeDeploy's order (directories first, then files):
# - a destination directory the previous install did not record is a conflict when
#   something other than a directory (a link to one being one) is there;
# - a destination file it did not record is one when anything is there (DISALLOW), or a
#   real directory (OVERWRITE; RETAIN checks no files);
# - a destination file where it recorded a directory is free only if the cleanup can remove
#   that directory: not when it now holds anything it did not put there (`strays`);
# and what the cleanup removes: its files and links (one rm), then its directories, newest
# record first, so children go before parents (one rmdir).
# The records are the finished cleanup file, then the journal of an interrupted run; an
# unterminated last line (a crash mid-write) is dropped, as CodeDeploy does. A record that
# is not an absolute path (`semanage\0<path>`, SELinux contexts) is not a path.
hoist_records=
hoist_survey() {
  set --
  for hoist_f in "$hoist_cleanup" "$hoist_journal"; do
    [ -f "$hoist_f" ] || continue
    if hoist_unterminated "$hoist_f"; then
      sed '$d' "$hoist_f" > "$hoist_tmp/${hoist_f##*/}.whole" || hoist_fail "Could not read the previous cleanup file $hoist_f."
      hoist_f=$hoist_tmp/${hoist_f##*/}.whole
    fi
    set -- "$@" "$hoist_f"
  done
  hoist_records=$#; hoist_rec1=${1:-}; hoist_rec2=${2:-}
  hoist_types > "$hoist_tmp/types"
  hoist_w=$hoist_tmp hoist_exists=$hoist_exists awk -v b="$hoist_behavior" "$hoist_survey_awk" "$hoist_tmp/types" "$hoist_tmp/directories" "$hoist_tmp/files" "$@" ||
    hoist_fail "Could not compare the destinations with the previous cleanup file."
  [ -s "$hoist_tmp/strays" ] || return 0
  while IFS= read -r hoist_p; do
    if find "$hoist_p" -mindepth 1 | grep -Fxv -f "$hoist_tmp/known" | grep -q .; then
      printf '%s%s\n' "$hoist_exists" "$hoist_p" >> "$hoist_tmp/conflicts" || hoist_fail "Could not write a temporary file."
    fi
  done < "$hoist_tmp/strays"
}
# Calls the function $2 with the lines of the files after it as its arguments (with $1 = /,
# only the lines that are absolute paths) when there are at most $hoist_few of them, and
# returns 1, having called nothing, when there are more. A few paths the shell reads itself;
# more go to their program another way (xargs, tail), since dash reads a byte per system call
# and a command line has a limit. Most installs are a few paths, and the processes that
# reading saves cost a host more. The function handles its own failures. Afterwards hoist_l
# holds the last file's unterminated last line, if it has one (`read` fails on it, having
# read it).
hoist_with_few() {
  hoist_wk=$1; hoist_wc=$2; shift 2
  hoist_wn=$#
  for hoist_wf; do
    while IFS= read -r hoist_l; do
      case $hoist_l in "$hoist_wk"*) ;; *) continue ;; esac
      [ $(($# - hoist_wn)) -lt "$hoist_few" ] || return 1
      set -- "$@" "$hoist_l"
    done < "$hoist_wf"
  done
  shift "$hoist_wn"
  "$hoist_wc" "$@"
  return 0
}
# Whether a file's last line lacks its line break (a crash mid-write).
hoist_unterminated() {
  hoist_with_few '' : "$1" || { [ -n "$(tail -c 1 "$1")" ]; return; }
  [ -n "$hoist_l" ]
}
# The type of every path in the lists and records (find's %y and %Y, a space, the path):
# one find, given the paths by the shell or, for many, by grep and xargs.
hoist_types() {
  set -- "$hoist_tmp/directories" "$hoist_tmp/files" ${hoist_rec1:+"$hoist_rec1"} ${hoist_rec2:+"$hoist_rec2"}
  hoist_with_few / hoist_find_types "$@" && return 0
  grep -ah '^/' "$@" 2> /dev/null |
    xargs -r -d '\n' sh -c 'exec find -P "$@" -maxdepth 0 -printf "%y%Y %p\n"' sh 2> /dev/null
  return 0
}
hoist_find_types() { [ $# -eq 0 ] || find -P "$@" -maxdepth 0 -printf '%y%Y %p\n' 2> /dev/null; }
# Runs a command ($2, fixed words of this prelude) with the paths of a list file ($1, one a
# line) added to its arguments, or fails with $3; through xargs when the list is long.
hoist_on_list() {
  hoist_lc=$2; hoist_lm=$3
  hoist_with_few '' hoist_run_listed "$1" && return 0
  eval "xargs -d '\n' $hoist_lc" < "$1" || hoist_fail "$hoist_lm"
}
hoist_run_listed() { [ $# -eq 0 ] || eval "$hoist_lc \"\$@\"" || hoist_fail "$hoist_lm"; }
# Arguments: the types (find's %y and %Y, a space, the path), the destination directories,
# the destination files, then the records.
hoist_survey_awk='
function own(p) { return (p in y) ? y[p] : "" }
BEGIN {
  w = ENVIRON["hoist_w"]; m = ENVIRON["hoist_exists"]
  split("conflicts strays known remove rmdirs", names, " ")
  for (i in names) { out[names[i]] = w "/" names[i]; printf "" > out[names[i]] }
}
FILENAME == ARGV[1] { p = substr($0, 4); y[p] = substr($0, 1, 1); f[p] = substr($0, 2, 1); next }
FILENAME == ARGV[2] { dirs[++nd] = $0; next }
FILENAME == ARGV[3] { files[++nf] = $0; next }
/^\// { known[$0] = 1; rec[++nr] = $0 }
END {
  for (i = 1; i <= nd; i++) { p = dirs[i]; if (!(p in known) && (p in y) && f[p] != "d") print m p > out["conflicts"] }
  for (i = 1; i <= nf; i++) {
    p = files[i]
    if (p in known) { if (own(p) == "d") { print p > out["strays"]; strays = 1 } }
    else if ((p in y) && (b == "DISALLOW" || y[p] == "d")) print m p > out["conflicts"]
  }
  if (strays) for (p in known) print p > out["known"]
  for (i = nr; i > 0; i--) {
    p = rec[i]; if (p in done) continue; done[p] = 1
    if (own(p) == "d") print p > out["rmdirs"]; else if (p in y) print p > out["remove"]
  }
}'
hoist_report_conflicts() {
  [ -s "$hoist_tmp/conflicts" ] || return 0
  cat "$hoist_tmp/conflicts" >&2
  exit 3
}

# Undo the previous install, from the survey: unlink its symlinks and remove its files (one
# rm), remove its directories only when empty (one rmdir), drop its SELinux file contexts
# (newest first); missing paths are ignored.
hoist_cleanup_previous() {
  if [ "$hoist_records" -gt 0 ] && command -v semanage > /dev/null 2>&1; then
    hoist_soh=$(printf '\001')
    # NULs become \001 so that `read` keeps them.
    { tr '\000' '\001' < "$hoist_rec1" && { [ -z "$hoist_rec2" ] || tr '\000' '\001' < "$hoist_rec2"; }; } |
      sed -n '1!G;h;$p' | grep "^semanage$hoist_soh" | while IFS= read -r hoist_line; do
      semanage fcontext -d -- "${hoist_line#"semanage$hoist_soh"}" > /dev/null 2>&1
    done
  fi
  hoist_on_list "$hoist_tmp/remove" 'rm -f --' "Could not remove the previously installed files."
  hoist_on_list "$hoist_tmp/rmdirs" 'rmdir --ignore-fail-on-non-empty --' "Could not remove the previously installed directories."
  [ "$hoist_records" -eq 0 ] || rm -f -- "$hoist_cleanup" "$hoist_journal" || hoist_fail "Could not remove the previous cleanup file $hoist_cleanup."
}

# Install. An installed path that a permission step names gets a flag (hoist_new_<n>), so
# that permissions are applied only to what this run created or copied, never to existing
# directories or retained files; other paths come with `-` instead of <n>. Paths are queued
# and recorded first, then created in bulk: one mkdir for every missing directory, one cp
# (per source folder and destination) for every file. Each call of hoist_dirs and
# hoist_copies appends its paths to the journal and the queue in one write each, not one per
# path: tens of thousands of appends cost more than the copy's bookkeeping around them.
# Paths never hold a line break (the planner refuses them), so lists are one path a line.
hoist_nl='
'
hoist_record() { printf '%s\n' "$1" >> "$hoist_journal" || hoist_fail "Could not write the cleanup journal $hoist_journal."; }
hoist_record_all() { printf '%s' "$1" >> "$hoist_journal" || hoist_fail "Could not write the cleanup journal $hoist_journal."; }
hoist_mark() { [ "$1" = - ] || eval "hoist_new_$1=1"; }
hoist_installed() { eval "[ \"\${hoist_new_$1:-}\" = 1 ]"; }
: > "$hoist_tmp/mkdirs" && : > "$hoist_tmp/batch" || hoist_fail "Could not write a temporary file."
# Pairs of token and directory: queues and records each one that does not exist yet.
hoist_dirs() {
  hoist_q=
  while [ $# -ge 2 ]; do
    if [ ! -d "$2" ]; then
      hoist_q=$hoist_q$2$hoist_nl
      hoist_mark "$1"
    fi
    shift 2
  done
  [ -n "$hoist_q" ] || return 0
  printf '%s' "$hoist_q" >> "$hoist_tmp/mkdirs" || hoist_fail "Could not write a temporary file."
  hoist_record_all "$hoist_q"
}
hoist_make_dirs() { hoist_on_list "$hoist_tmp/mkdirs" 'mkdir --' "Could not create the directories of the install."; }
# Returns 1 when an existing file is to be kept (RETAIN).
hoist_make_room() {
  { [ -e "$1" ] || [ -L "$1" ]; } || return 0
  case $hoist_behavior in
  RETAIN) return 1 ;;
  OVERWRITE) rm -f -- "$1" || hoist_fail "Could not replace $1." ;;
  *) printf '%s%s\n' "$hoist_exists" "$1" >&2; exit 3 ;;
  esac
}
hoist_copy() {
  hoist_make_room "$3" || return 0
  hoist_record "$3"
  cp -p -- "$2" "$3" || hoist_fail "Could not copy $2 to $3."
  hoist_mark "$1"
}
# $1 source folder, $2 destination folder, then pairs of token and path below both: each
# file is queued (and recorded before it is copied); the queue is copied with
# `cp --parents` when the folders change and at the end.
hoist_cs=; hoist_cd=
hoist_copies() {
  if [ "$1" != "$hoist_cs" ] || [ "$2" != "$hoist_cd" ]; then hoist_flush_copies; hoist_cs=$1; hoist_cd=$2; fi
  shift 2
  hoist_q=; hoist_r=
  while [ $# -ge 2 ]; do
    if hoist_make_room "$hoist_cd/$2"; then
      hoist_q=$hoist_q$2$hoist_nl
      hoist_r=$hoist_r$hoist_cd/$2$hoist_nl
      hoist_mark "$1"
    fi
    shift 2
  done
  [ -n "$hoist_q" ] || return 0
  hoist_record_all "$hoist_r"
  printf '%s' "$hoist_q" >> "$hoist_tmp/batch" || hoist_fail "Could not write a temporary file."
}
hoist_flush_copies() {
  [ -s "$hoist_tmp/batch" ] || return 0
  (
    cd -- "$hoist_cs" || hoist_fail "Could not copy files from $hoist_cs to $hoist_cd."
    hoist_on_list "$hoist_tmp/batch" 'cp -p --parents -t "$hoist_cd" --' "Could not copy files from $hoist_cs to $hoist_cd."
  ) || exit
  : > "$hoist_tmp/batch" || hoist_fail "Could not write a temporary file."
}
hoist_link() {
  hoist_make_room "$3" || return 0
  hoist_record "$3"
  ln -s -- "$2" "$3" || hoist_fail "Could not create the symbolic link $3."
  hoist_mark "$1"
}

# Permissions, in CodeDeploy's order: chmod, setfacl, semanage + restorecon, chown.
hoist_chmod() { chmod -- "$2" "$1" || hoist_fail "Could not set mode $2 on $1."; }
hoist_rwx() {
  case $1 in 0) printf '%s' '---' ;; 1) printf '%s' '--x' ;; 2) printf '%s' '-w-' ;; 3) printf '%s' '-wx' ;;
  4) printf '%s' 'r--' ;; 5) printf '%s' 'r-x' ;; 6) printf '%s' 'rw-' ;; *) printf '%s' 'rwx' ;; esac
}
# $1 path, $2 the AppSpec's entries, $3 which completions to add: m (mask), U G O M (default
# user, group, other, mask). The base entries come from the mode the file has now.
hoist_setfacl() {
  hoist_m=$(stat -c %a -- "$1") || hoist_fail "Could not read the mode of $1."
  case ${#hoist_m} in 1) hoist_m=00$hoist_m ;; 2) hoist_m=0$hoist_m ;; esac
  hoist_o=${hoist_m#"${hoist_m%?}"}; hoist_m=${hoist_m%?}
  hoist_g=${hoist_m#"${hoist_m%?}"}; hoist_m=${hoist_m%?}
  hoist_u=${hoist_m#"${hoist_m%?}"}
  hoist_acl="user::$(hoist_rwx "$hoist_u"),group::$(hoist_rwx "$hoist_g"),other::$(hoist_rwx "$hoist_o")"
  [ -z "$2" ] || hoist_acl="$hoist_acl,$2"
  case $3 in *m*) hoist_acl="$hoist_acl,mask::$(hoist_rwx "$hoist_g")" ;; esac
  case $3 in *U*) hoist_acl="$hoist_acl,default:user::$(hoist_rwx "$hoist_u")" ;; esac
  case $3 in *G*) hoist_acl="$hoist_acl,default:group::$(hoist_rwx "$hoist_g")" ;; esac
  case $3 in *O*) hoist_acl="$hoist_acl,default:other::$(hoist_rwx "$hoist_o")" ;; esac
  case $3 in *M*) hoist_acl="$hoist_acl,default:mask::$(hoist_rwx "$hoist_g")" ;; esac
  setfacl --set "$hoist_acl" -- "$1" ||
    hoist_fail "The deployment failed because of a problem with the acls permission settings in the application specification file for this object: $1. Failed command: setfacl --set $hoist_acl $1."
}
# $1 path, then the semanage arguments (-s user -t type -r range).
hoist_semanage() {
  hoist_p=$1; shift
  hoist_real=$(readlink -f -- "$hoist_p") || hoist_fail "Could not resolve $hoist_p."
  semanage fcontext -a "$@" -- "$hoist_real" ||
    hoist_fail "The deployment failed because the application specification file contains an error in the settings for the context parameter. Update the permissions section of the AppSpec file, and then try again. Failed command: semanage fcontext -a $* $hoist_real."
  restorecon -v -- "$hoist_real" ||
    hoist_fail "The deployment failed because the application specification file contains an error in the settings for the context parameter. Update the permissions section of the AppSpec file, and then try again. Failed command: restorecon -v $hoist_real."
  printf 'semanage\000%s\n' "$hoist_real" >> "$hoist_journal" || hoist_fail "Could not write the cleanup journal $hoist_journal."
}
hoist_chown() { chown -- "$2" "$1" || hoist_fail "Could not change the owner of $1 to $2."; }
hoist_chgrp() { chgrp -- "$2" "$1" || hoist_fail "Could not change the group of $1 to $2."; }
# $1 mode, $2 owner, $3 group (each '' for none), then pairs of token and path: the paths
# this run installed get the mode, then the owner and group, one chmod and one chown for
# all of them (not one per file). When one fails, the same command runs path by path for
# the error that names the path.
hoist_perms() {
  hoist_pm=$1; hoist_po=$2; hoist_pg=$3; shift 3
  hoist_n=$(($# / 2))
  while [ "$hoist_n" -gt 0 ]; do
    if hoist_installed "$1"; then set -- "$@" "$2"; fi
    shift 2; hoist_n=$((hoist_n - 1))
  done
  [ $# -gt 0 ] || return 0
  if [ -n "$hoist_pm" ]; then
    chmod -- "$hoist_pm" "$@" 2>/dev/null || for hoist_p; do hoist_chmod "$hoist_p" "$hoist_pm"; done
  fi
  if [ -n "$hoist_po" ]; then
    hoist_ps=$hoist_po${hoist_pg:+:$hoist_pg}
    chown -- "$hoist_ps" "$@" 2>/dev/null || for hoist_p; do hoist_chown "$hoist_p" "$hoist_ps"; done
  elif [ -n "$hoist_pg" ]; then
    chgrp -- "$hoist_pg" "$@" 2>/dev/null || for hoist_p; do hoist_chgrp "$hoist_p" "$hoist_pg"; done
  fi
}
"""#
}
