/// The fixed part of the rendered install script: shell functions the per-path lines call.
/// Kept apart from the renderer so the per-plan part stays short and readable.
enum InstallScriptPrelude {
    static let text = #"""
set -u
hoist_fail() { printf '%s\n' "$*" >&2; exit 4; }
hoist_tmp=$(mktemp -d) || hoist_fail "Could not create a temporary directory."
trap 'rm -rf "$hoist_tmp"' EXIT
hoist_soh=$(printf '\001')

# The previous install's records, oldest first: the finished cleanup file, then the journal
# of an interrupted run. NULs (semanage lines) become \001 so that `read` keeps them; an
# unterminated last line (a crash mid-write) is dropped, as CodeDeploy does.
hoist_records() {
  [ -f "$1" ] || return 0
  if [ "$(tail -c 1 "$1" | wc -l)" -eq 0 ]; then tr '\000' '\001' < "$1" | sed '$d'; else tr '\000' '\001' < "$1"; fi
}
{ hoist_records "$hoist_cleanup" && hoist_records "$hoist_journal"; } > "$hoist_tmp/previous" ||
  hoist_fail "Could not read the previous cleanup file $hoist_cleanup."
# Conflicts are checked before anything is deleted, and all of them are reported. The
# paths to check are in list files; one grep drops those the previous install put there
# (the cleanup will remove them), so the check stays linear in the number of files.
hoist_conflicts=0
# Runs find on every path of the NUL-separated list $1 (absolute paths, never options) with
# the options and tests that follow, printing the matches NUL-separated, in list order. A
# few processes for any number of paths: a fork per path is what makes big installs slow.
hoist_find() {
  hoist_l=$1; shift
  [ -s "$hoist_l" ] || return 0
  xargs -0 sh -c 'hoist_o=$1; shift; hoist_t=$1; shift; exec find $hoist_o "$@" -maxdepth 0 $hoist_t -print0' sh "$@" < "$hoist_l" 2> /dev/null
  return 0
}
# $1 list name; $2 what counts as a conflict: taken (anything there), notdir (something
# other than a directory, a link to one being one), dir (a real directory).
hoist_check() {
  [ -s "$hoist_tmp/$1" ] || return 0
  grep -Fxv -f "$hoist_tmp/previous" "$hoist_tmp/$1" | tr '\n' '\000' > "$hoist_tmp/$1.unknown" ||
    hoist_fail "Could not compare the destinations with the previous cleanup file."
  case $2 in
  taken) hoist_find "$hoist_tmp/$1.unknown" -P '' ;;
  notdir) hoist_find "$hoist_tmp/$1.unknown" -H '! -type d' ;;
  dir) hoist_find "$hoist_tmp/$1.unknown" -P '-type d' ;;
  esac > "$hoist_tmp/$1.found"
  if [ "$2" != notdir ]; then
    # A file path the previous install put a directory at is free only if the cleanup can
    # remove that directory: not when it now holds anything the previous install did not
    # put there (the cleanup leaves such a directory, and the copy would fail after it).
    grep -Fx -f "$hoist_tmp/previous" "$hoist_tmp/$1" | tr '\n' '\000' > "$hoist_tmp/$1.known" ||
      hoist_fail "Could not compare the destinations with the previous cleanup file."
    hoist_find "$hoist_tmp/$1.known" -P '-type d' | tr '\000' '\n' > "$hoist_tmp/$1.dirs"
    while IFS= read -r hoist_p; do
      if find "$hoist_p" -mindepth 1 | grep -Fxv -f "$hoist_tmp/previous" | grep -q .; then
        printf '%s\000' "$hoist_p" >> "$hoist_tmp/$1.found"
      fi
    done < "$hoist_tmp/$1.dirs"
  fi
  [ -s "$hoist_tmp/$1.found" ] || return 0
  tr '\000' '\n' < "$hoist_tmp/$1.found" |
    sed 's/^/The deployment failed because a specified file already exists at this location: /' >&2
  hoist_conflicts=$((hoist_conflicts + $(tr -cd '\000' < "$hoist_tmp/$1.found" | wc -c)))
}

# Undo the previous install, newest record first: unlink symlinks, remove files, remove
# directories only when empty, drop SELinux file contexts; missing paths are ignored. All
# files and links go first (one rm), then the directories, children before parents (one
# rmdir), so the work does not grow by a process per path.
hoist_cleanup_previous() {
  sed -n '1!G;h;$p' "$hoist_tmp/previous" > "$hoist_tmp/reversed" || hoist_fail "Could not read the previous cleanup file."
  if command -v semanage > /dev/null 2>&1; then
    grep "^semanage$hoist_soh" "$hoist_tmp/reversed" | while IFS= read -r hoist_line; do
      semanage fcontext -d -- "${hoist_line#"semanage$hoist_soh"}" > /dev/null 2>&1
    done
  fi
  { grep -v "^semanage$hoist_soh" "$hoist_tmp/reversed" || [ $? -eq 1 ]; } | tr '\n' '\000' > "$hoist_tmp/paths" ||
    hoist_fail "Could not read the previous cleanup file."
  hoist_find "$hoist_tmp/paths" -P '! -type d' > "$hoist_tmp/remove"
  hoist_find "$hoist_tmp/paths" -P '-type d' > "$hoist_tmp/rmdirs"
  if [ -s "$hoist_tmp/remove" ]; then
    xargs -0 rm -f -- < "$hoist_tmp/remove" || hoist_fail "Could not remove the previously installed files."
  fi
  if [ -s "$hoist_tmp/rmdirs" ]; then
    xargs -0 rmdir --ignore-fail-on-non-empty -- < "$hoist_tmp/rmdirs" ||
      hoist_fail "Could not remove the previously installed directories."
  fi
  rm -f -- "$hoist_cleanup" "$hoist_journal" || hoist_fail "Could not remove the previous cleanup file $hoist_cleanup."
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
hoist_make_dirs() {
  [ -s "$hoist_tmp/mkdirs" ] || return 0
  xargs -d '\n' mkdir -- < "$hoist_tmp/mkdirs" || hoist_fail "Could not create the directories of the install."
}
# Returns 1 when an existing file is to be kept (RETAIN).
hoist_make_room() {
  { [ -e "$1" ] || [ -L "$1" ]; } || return 0
  case $hoist_behavior in
  RETAIN) return 1 ;;
  OVERWRITE) rm -f -- "$1" || hoist_fail "Could not replace $1." ;;
  *) printf 'The deployment failed because a specified file already exists at this location: %s\n' "$1" >&2; exit 3 ;;
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
  (cd -- "$hoist_cs" && xargs -d '\n' cp -p --parents -t "$hoist_cd" -- < "$hoist_tmp/batch") ||
    hoist_fail "Could not copy files from $hoist_cs to $hoist_cd."
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
