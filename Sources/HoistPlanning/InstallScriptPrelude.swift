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
hoist_conflict() {
  printf 'The deployment failed because a specified file already exists at this location: %s\n' "$1" >&2
  hoist_conflicts=$((hoist_conflicts + 1))
}
# $1 list name; $2 what counts as a conflict: taken (anything there), notdir (something
# other than a directory), dir (a real directory).
hoist_check() {
  [ -s "$hoist_tmp/$1" ] || return 0
  grep -Fxv -f "$hoist_tmp/previous" "$hoist_tmp/$1" > "$hoist_tmp/$1.unknown" || [ $? -eq 1 ] ||
    hoist_fail "Could not compare the destinations with the previous cleanup file."
  while IFS= read -r hoist_p; do
    case $2 in
    taken) if [ -e "$hoist_p" ] || [ -L "$hoist_p" ]; then hoist_conflict "$hoist_p"; fi ;;
    notdir) if { [ -e "$hoist_p" ] || [ -L "$hoist_p" ]; } && [ ! -d "$hoist_p" ]; then hoist_conflict "$hoist_p"; fi ;;
    dir) if [ -d "$hoist_p" ] && [ ! -L "$hoist_p" ]; then hoist_conflict "$hoist_p"; fi ;;
    esac
  done < "$hoist_tmp/$1.unknown"
  [ "$2" = notdir ] && return 0
  # A file path the previous install put a directory at is free only if the cleanup can
  # remove that directory: not when it now holds anything the previous install did not
  # put there (the cleanup leaves such a directory, and the copy would fail after it).
  grep -Fx -f "$hoist_tmp/previous" "$hoist_tmp/$1" > "$hoist_tmp/$1.known" || [ $? -eq 1 ] ||
    hoist_fail "Could not compare the destinations with the previous cleanup file."
  while IFS= read -r hoist_p; do
    [ -d "$hoist_p" ] && [ ! -L "$hoist_p" ] || continue
    if find "$hoist_p" -mindepth 1 | grep -Fxv -f "$hoist_tmp/previous" | grep -q .; then hoist_conflict "$hoist_p"; fi
  done < "$hoist_tmp/$1.known"
}

# Undo the previous install, newest record first: unlink symlinks, remove files, remove
# directories only when empty, drop SELinux file contexts; missing paths are ignored. Files
# and links are removed in batches (one rm per run of them) and always before the directory
# that held them.
hoist_flush() {
  [ -s "$hoist_tmp/remove" ] || return 0
  xargs -0 rm -f -- < "$hoist_tmp/remove" || hoist_fail "Could not remove the previously installed files."
  : > "$hoist_tmp/remove"
}
hoist_undo() {
  case $1 in
  "semanage$hoist_soh"*)
    if command -v semanage > /dev/null 2>&1; then semanage fcontext -d -- "${1#"semanage$hoist_soh"}" > /dev/null 2>&1; fi ;;
  *)
    if [ -L "$1" ] || { [ -e "$1" ] && [ ! -d "$1" ]; }; then
      printf '%s\000' "$1" >> "$hoist_tmp/remove" || hoist_fail "Could not write a temporary file."
    elif [ -d "$1" ]; then
      hoist_flush
      rmdir -- "$1" 2> /dev/null || [ -n "$(ls -A -- "$1" 2> /dev/null)" ] ||
        hoist_fail "Could not remove the previously installed directory $1."
    fi ;;
  esac
}
hoist_cleanup_previous() {
  sed -n '1!G;h;$p' "$hoist_tmp/previous" > "$hoist_tmp/reversed" || hoist_fail "Could not read the previous cleanup file."
  : > "$hoist_tmp/remove" || hoist_fail "Could not write a temporary file."
  while IFS= read -r hoist_line; do hoist_undo "$hoist_line"; done < "$hoist_tmp/reversed"
  hoist_flush
  rm -f -- "$hoist_cleanup" "$hoist_journal" || hoist_fail "Could not remove the previous cleanup file $hoist_cleanup."
}

# Install. Each installed path gets a flag (hoist_new_<n>) so that permissions are applied
# only to what this run created or copied, never to existing directories or retained files.
hoist_record() { printf '%s\n' "$1" >> "$hoist_journal" || hoist_fail "Could not write the cleanup journal $hoist_journal."; }
hoist_mark() { eval "hoist_new_$1=1"; }
hoist_installed() { eval "[ \"\${hoist_new_$1:-}\" = 1 ]"; }
hoist_dir() {
  [ -d "$2" ] && return 0
  mkdir -- "$2" || hoist_fail "Could not create the directory $2."
  hoist_record "$2"
  hoist_mark "$1"
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
# $1 source directory, $2 destination directory, then pairs of index and name: one cp for
# the whole batch (a fork per file is what makes big installs slow).
hoist_copies() {
  hoist_s=$1; hoist_d=$2; shift 2
  : > "$hoist_tmp/batch" || hoist_fail "Could not write a temporary file."
  while [ $# -ge 2 ]; do
    if hoist_make_room "$hoist_d/$2"; then
      hoist_record "$hoist_d/$2"
      printf '%s\000' "$2" >> "$hoist_tmp/batch" || hoist_fail "Could not write a temporary file."
      hoist_mark "$1"
    fi
    shift 2
  done
  [ -s "$hoist_tmp/batch" ] || return 0
  (cd -- "$hoist_s" && xargs -0 cp -p -t "$hoist_d" -- < "$hoist_tmp/batch") ||
    hoist_fail "Could not copy files from $hoist_s to $hoist_d."
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
"""#
}
