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
  _sd=$(printf '%s\n' "${1#"${AIXROOT:-}"}" | sed -e 's#//*#/#g' -e 's#\(.\)/$#\1#')
  case $_sd in
  '' | / | /tmp | /usr | /var | /opt | /home | /admin | /etc | /dev | /proc | /sbin | /bin | /lib | /lpp | /audit | /export | /mnt | /usr/* | /tmp/* | /etc/* | /dev/* | /proc/* | /sbin/* | /bin/* | /lib/* | /lpp/*)
    return 0
    ;;
  esac
  return 1
}

# Why a staging directory is unsafe for root to write in, as one reason word with the path, or
# nothing when it is safe. Root writes the log, listings and images there: a symlink for the
# directory, or a directory someone else owns or may write (and so plant symlinks in), would let
# another user point root's writes at any file. The owner must be root or the user the step runs as
# (root on AIX). Each reason says how to fix it.
staging_unsafe() {
  if [ -L "$1" ]; then
    printf 'staging_is_symlink:%s:use_the_real_directory\n' "$1"
    return 0
  fi
  # shellcheck disable=SC2012 # ls is the portable way to read a mode and owner on AIX
  _su_line=$(ls -ldn "$1" 2>/dev/null | sed -n 1p)
  _su_mode=$(printf '%s\n' "$_su_line" | awk '{ print $1 }')
  _su_uid=$(printf '%s\n' "$_su_line" | awk '{ print $3 }')
  _su_me=$(id -u 2>/dev/null)
  if [ -z "$_su_mode" ] || [ -z "$_su_uid" ] || [ -z "$_su_me" ]; then
    printf 'staging_mode_unreadable:%s\n' "$1"
  elif [ "$_su_uid" != 0 ] && [ "$_su_uid" != "$_su_me" ]; then
    printf 'staging_not_owned_by_root:%s:uid_%s:chown_root_it\n' "$1" "$_su_uid"
  else
    case $_su_mode in
    ?????w* | ????????w*) printf 'staging_writable_by_others:%s:mode_%s:chmod_750_it\n' "$1" "$_su_mode" ;;
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
  printf 'pid=%s\nstarted=%s\n' "${MV_PID:-$$}" "$(now_utc)" >"$_la_dir/owner"
  LOCK_STATE=$_la_prev
  return 0
}
