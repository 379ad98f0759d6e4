# mksysb-vault: the staging directory on the LPAR, what makes it safe for root to write in, and the
# lock a run holds there; preflight checks both, backup checks them again and takes the lock. Not
# run on its own: index.ts puts it in place of the line `. ./staging.sh` in a step at synth time.
# shellcheck shell=sh

# Paths that are never a staging directory: rootvg's own filesystems (/, /usr, /var, /tmp, /home,
# /opt, /admin: a full one hangs or cripples AIX, and mksysb would back up the staging images into
# the next rootvg image), the places the system's commands, libraries, devices and configuration
# live (a chmod 750 there, as backup does to staging, breaks the host for every other user), and
# anything under the ones no data filesystem is mounted below. The path is taken relative to
# AIXROOT (empty on AIX; the simulated LPAR's root in tests).
staging_system_dir() {
  norm_path "${1#"${AIXROOT:-}"}"
  case $NORM_PATH in
  '' | / | /tmp | /usr | /var | /opt | /home | /admin | /etc | /dev | /proc | /sbin | /bin | /lib | /lpp | /audit | /export | /mnt | /usr/* | /tmp/* | /etc/* | /dev/* | /proc/* | /sbin/* | /bin/* | /lib/* | /lpp/*)
    return 0
    ;;
  esac
  return 1
}

# $1 with each run of slashes made one and a trailing slash cut (/ stays /), in NORM_PATH: what
# sed -e 's#//*#/#g' -e 's#\(.\)/$#\1#' makes of a (valid, one-line) path, in the shell.
norm_path() {
  NORM_PATH=$1
  while :; do
    case $NORM_PATH in
    *//*) NORM_PATH="${NORM_PATH%%//*}/${NORM_PATH#*//}" ;;
    *) break ;;
    esac
  done
  case $NORM_PATH in
  ?*/) NORM_PATH=${NORM_PATH%/} ;;
  esac
}

# Why a staging directory is unsafe for root to write in, as one reason word with the path, in
# UNSAFE (empty when it is safe); its mode as ls shows it in STAGING_MODE. Root writes the log,
# listings and images there: a symlink for the directory, or a directory someone else owns or may
# write (and so plant symlinks in), would let another user point root's writes at any file. The
# owner must be root or the user the step runs as (root on AIX). Each reason says how to fix it.
_su_me=
# shellcheck disable=SC2034 # UNSAFE is read by the steps that include this piece
staging_unsafe() {
  UNSAFE=
  _su_dir=$1
  if [ -L "$_su_dir" ]; then
    UNSAFE="staging_is_symlink:$_su_dir:use_the_real_directory"
    return 0
  fi
  # The directory's own mode and owner (aix.sh's ls_fields); the user's id once a step.
  ls_fields -ldn "$_su_dir"
  _su_mode=$LS_MODE
  _su_uid=$LS_UID
  STAGING_MODE=$_su_mode
  [ -n "$_su_me" ] || _su_me=$(id -u 2>/dev/null)
  if [ -z "$_su_mode" ] || [ -z "$_su_uid" ] || [ -z "$_su_me" ]; then
    UNSAFE="staging_mode_unreadable:$_su_dir"
  elif [ "$_su_uid" != 0 ] && [ "$_su_uid" != "$_su_me" ]; then
    UNSAFE="staging_not_owned_by_root:$_su_dir:uid_$_su_uid:chown_root_it"
  else
    case $_su_mode in
    ?????w* | ????????w*) UNSAFE="staging_writable_by_others:$_su_dir:mode_$_su_mode:chmod_750_it" ;;
    esac
  fi
  return 0
}

# The lock: a directory (mkdir is atomic) holding the PID and host of the run that owns it.
# Sets LOCK_STATE to free, stale_taken_over or held:<pid>.
LOCK_STATE=
lock_inspect() {
  _l_dir=$1
  if [ ! -d "$_l_dir" ]; then
    LOCK_STATE=free
    return 0
  fi
  _l_pid=$(sed -n 's/^pid=//p' "$_l_dir/owner" 2>/dev/null)
  if [ -n "$_l_pid" ] && kill -0 "$_l_pid" 2>/dev/null; then
    LOCK_STATE="held:$_l_pid"
    return 1
  fi
  # A lock with no live owner is left over from a run that died (kill -9, reboot): take it over.
  rm -rf "$_l_dir"
  LOCK_STATE=stale_taken_over
  return 0
}

lock_acquire() {
  _la_dir=$1
  lock_inspect "$_la_dir" || return 1
  _la_prev=$LOCK_STATE
  if ! mkdir "$_la_dir" 2>/dev/null; then
    # Another run made it between our look and our mkdir.
    LOCK_STATE="held:$(sed -n 's/^pid=//p' "$_la_dir/owner" 2>/dev/null)"
    return 1
  fi
  # MV_PID: a detached backup's own pid (in a subshell $$ is still its parent's).
  # ($2: the time to record, when the caller has it: a date process fewer)
  printf 'pid=%s\nstarted=%s\n' "${MV_PID:-$$}" "${2:-$(now_utc)}" >"$_la_dir/owner"
  LOCK_STATE=$_la_prev
  return 0
}
