# mksysb-vault: helpers shared by the host steps. Not run on its own: index.ts puts it in front of
# each step script at synth time (the line `. ./common.sh` in a step marks the place), so what
# runs on AIX is one self-contained POSIX sh script that ksh88, ksh93 and dash all accept.
# shellcheck shell=sh disable=SC2317 # common.sh helpers a step does not call look unreachable

# Exit codes (docs/host-protocol.md): one per outcome, so a caller can act on the number alone.
EX_OK=0
EX_INVALID=2
EX_REFUSED=10
EX_FAILED=11
EX_PARTIAL=12
EX_UNREACHABLE=13
EX_AUTH=14

# Cron and SSM give a minimal PATH; keep the caller's (the simulated LPAR puts its stand-ins first)
# and make sure the standard places are there.
PATH="${PATH:+$PATH:}/usr/bin:/bin:/usr/sbin:/sbin"
export PATH
umask 027

# Emits one protocol line. Values never contain a newline (anything after one is cut off) nor any
# other control character (each becomes ?): a carriage return in what a host prints (an OS level, a
# listing's line) must not start a line of its own where a reader splits on CR.
kv() {
  _kv_v=$2
  case $_kv_v in
  *'
'*) _kv_v=$(printf '%s\n' "$_kv_v" | sed -n 1p) ;;
  esac
  case $_kv_v in
  *[[:cntrl:]]*) _kv_v=$(printf '%s' "$_kv_v" | tr '[:cntrl:]' '?') ;;
  esac
  printf '%s=%s\n' "$1" "$_kv_v"
}

# Emits a line only when there is a value: an unknown number is left out, never printed empty.
kv_opt() {
  [ -n "$2" ] && kv "$1" "$2"
  return 0
}

now_utc() {
  date -u +%Y-%m-%dT%H:%M:%SZ
}

epoch_seconds() {
  # POSIX date has no %s; ksh88 on AIX does not either, so count from the UTC calendar fields.
  date -u '+%Y %j %H %M %S' | awk '{ y = $1 - 1970; d = y * 365 + int((y + 1) / 4) + $2 - 1;
    printf "%d\n", ((d * 24 + $3) * 60 + $4) * 60 + $5 }'
}

# Ends the step: the closing protocol lines, then the exit code that goes with the status.
finish() {
  _f_status=$1
  _f_reason=$2
  [ -n "$_f_reason" ] && kv reason "$_f_reason"
  kv ended "$(now_utc)"
  kv status "$_f_status"
  case $_f_status in
  ok) exit $EX_OK ;;
  invalid) exit $EX_INVALID ;;
  refused) exit $EX_REFUSED ;;
  partial) exit $EX_PARTIAL ;;
  unreachable) exit $EX_UNREACHABLE ;;
  auth_failed) exit $EX_AUTH ;;
  *) exit $EX_FAILED ;;
  esac
}

# The AIX command by full path (AIX commands live in /usr/bin, /usr/sbin or /sbin). AIXROOT is
# empty on AIX; the simulated LPAR sets it to its own root so the same text runs there.
aixcmd() {
  for _ac_dir in /usr/bin /usr/sbin /sbin /bin; do
    if [ -x "${AIXROOT:-}$_ac_dir/$1" ]; then
      printf '%s\n' "${AIXROOT:-}$_ac_dir/$1"
      return 0
    fi
  done
  return 1
}

# Validation: SSM's allowedPattern is the first line of defence; these are the second, so a value
# that reaches a command line or a remote shell is always one of these plain shapes.
valid_name() {
  # host names, volume-group names: letters, digits, dot, underscore, hyphen; not starting with -
  case $1 in
  '' | -* | *[!A-Za-z0-9._-]*) return 1 ;;
  esac
  [ ${#1} -le 64 ]
}

valid_path() {
  case $1 in
  /*) ;;
  *) return 1 ;;
  esac
  case $1 in
  *[!A-Za-z0-9._/-]* | *..*) return 1 ;;
  esac
  [ ${#1} -le 1024 ]
}

valid_uint() {
  case $1 in
  '' | *[!0-9]*) return 1 ;;
  esac
  [ ${#1} -le 18 ]
}

valid_date() {
  case $1 in
  [12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]) return 0 ;;
  esac
  return 1
}

valid_factor() {
  case $1 in
  '' | .* | *. | *.*.* | *[!0-9.]*) return 1 ;;
  esac
  return 0
}

valid_url() {
  case $1 in
  http://* | https://*) ;;
  *) return 1 ;;
  esac
  case $1 in
  *[!A-Za-z0-9._~:/?\&=%+-]*) return 1 ;;
  esac
  [ ${#1} -le 8192 ]
}

valid_flags() {
  # mksysb flags are single letters after one dash, e.g. "-e -X -p"; nothing that takes a value.
  case $1 in
  *[!A-Za-z\ -]*) return 1 ;;
  esac
  for _vf in $1; do
    case $_vf in
    -[A-Za-z] | -[A-Za-z][A-Za-z] | -[A-Za-z][A-Za-z][A-Za-z]) ;;
    *) return 1 ;;
    esac
  done
  return 0
}

valid_vg_list() {
  # comma-separated volume-group names, possibly empty
  [ -z "$1" ] && return 0
  case $1 in
  ,* | *, | *,,*) return 1 ;;
  esac
  _vl_rest=$1
  while [ -n "$_vl_rest" ]; do
    _vl_one=${_vl_rest%%,*}
    valid_name "$_vl_one" || return 1
    case $_vl_rest in
    *,*) _vl_rest=${_vl_rest#*,} ;;
    *) _vl_rest= ;;
    esac
  done
  return 0
}

# --- the staging directory ----------------------------------------------------------------------
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

# Clears the way for root to create each path in staging: a symlink there (left or planted) is
# removed, so no write and no chmod ever follows a link to a file elsewhere.
unlink_symlinks() {
  for _us in "$@"; do
    if [ -L "$_us" ]; then rm -f "$_us"; fi
  done
  return 0
}

# Refuses a bad argument before anything else happens: no file touched, no command run.
invalid_arg() {
  kv reason "invalid_argument:$1"
  kv status invalid
  exit $EX_INVALID
}

# Size of a file in bytes (ls -l field 5 is portable; stat -c is GNU-only).
file_size() {
  # shellcheck disable=SC2012 # ls is the portable way to read a size on AIX
  ls -ln "$1" 2>/dev/null | awk 'NR == 1 { print $5 }'
}

# Free bytes of the filesystem holding $1, from AIX `df -k` (field 3 is Free in 1024-byte blocks;
# a long device name wraps the line, so read the fields of the last line).
df_free_bytes() {
  "$DF" -k "$1" </dev/null 2>/dev/null | awk 'NR > 1 { line = $0 } END { n = split(line, f, " ");
    if (n >= 7 && f[n - 4] ~ /^[0-9]+$/) printf "%.0f\n", f[n - 4] * 1024 }'
}

df_mount_point() {
  "$DF" -k "$1" </dev/null 2>/dev/null | awk 'NR > 1 { line = $0 } END { n = split(line, f, " "); if (n >= 7) print f[n] }'
}

# SHA-256 of a file with whatever the host has, as "<tool> <hex>": openssl (openssl.base), else
# AIX's own csum, else "none" — the caller says so rather than inventing a checksum.
sha256_of() {
  if _s_cmd=$(aixcmd openssl); then
    printf 'openssl %s\n' "$("$_s_cmd" dgst -sha256 "$1" </dev/null 2>/dev/null |
      sed -n 's/^.*= *\([0-9A-Fa-f]\{64\}\)$/\1/p' | tr 'A-F' 'a-f')"
  elif _s_cmd=$(aixcmd csum); then
    printf 'csum %s\n' "$("$_s_cmd" -h SHA256 "$1" </dev/null 2>/dev/null | awk 'NR == 1 { print tolower($1) }')"
  else
    echo none
  fi
}

# --- part MD5s: written by backup, read by transfer ---------------------------------------------
# <image>.partmd5 holds the MD5 of each upload part of the image, so the transfer sends every part
# straight from the image with its Content-MD5 and never reads a part twice or copies it. Line 1:
# "# mksysb-vault part md5 v1 size=<image bytes> partSize=<bytes> parts=<n>"; then one line per
# part, "<n> <md5 hex> <md5 base64>". Parts are cut as prepare-upload cuts them (whole MiB each, the
# last one short).
PART_MD5_HEADER='# mksysb-vault part md5 v1'

# Writes <image $1>.partmd5 for parts of $2 bytes (a whole number of MiB) with openssl $3, reading
# the image once, and prints the number of parts. Fails, leaving no sidecar, when a part cannot be
# read or hashed or the image changes size meanwhile.
write_part_md5s() {
  _pm_img=$1
  _pm_part=$2
  _pm_ssl=$3
  _pm_tmp="$_pm_img.partmd5.tmp"
  _pm_size=$(file_size "$_pm_img")
  if ! valid_uint "$_pm_size" || [ "$_pm_size" -eq 0 ]; then return 1; fi
  _pm_mib=$((_pm_part / 1048576))
  _pm_count=$(((_pm_size + _pm_part - 1) / _pm_part))
  rm -f "$_pm_img.partmd5" "$_pm_tmp" "$_pm_tmp.bin" "$_pm_tmp.err"
  printf '%s size=%s partSize=%s parts=%s\n' "$PART_MD5_HEADER" "$_pm_size" "$_pm_part" "$_pm_count" \
    >"$_pm_tmp" || return 1
  _pm_n=1
  while [ "$_pm_n" -le "$_pm_count" ]; do
    # (no pipefail in sh: dd's failure is noted in a file)
    { dd if="$_pm_img" bs=1048576 skip=$(((_pm_n - 1) * _pm_mib)) count="$_pm_mib" </dev/null 2>/dev/null ||
      echo "$_pm_n" >"$_pm_tmp.err"; } | "$_pm_ssl" dgst -md5 -binary >"$_pm_tmp.bin" 2>/dev/null
    _pm_hex=$(od -An -tx1 <"$_pm_tmp.bin" | tr -d ' \n')
    _pm_b64=$("$_pm_ssl" base64 -A <"$_pm_tmp.bin" 2>/dev/null)
    if [ -f "$_pm_tmp.err" ] || [ ${#_pm_hex} -ne 32 ] || [ ${#_pm_b64} -ne 24 ]; then
      rm -f "$_pm_tmp" "$_pm_tmp.bin" "$_pm_tmp.err"
      return 1
    fi
    printf '%s %s %s\n' "$_pm_n" "$_pm_hex" "$_pm_b64" >>"$_pm_tmp"
    _pm_n=$((_pm_n + 1))
  done
  rm -f "$_pm_tmp.bin"
  if [ "$(file_size "$_pm_img")" != "$_pm_size" ]; then
    rm -f "$_pm_tmp"
    return 1
  fi
  mv -f "$_pm_tmp" "$_pm_img.partmd5" || return 1
  echo "$_pm_count"
}

# The quick verdict of a mksysb/savevg log: success needs 0512-038 and no other message code
# (0512-003, "some files may not have been archived", only makes it a warning). The verify Lambda
# reads the whole log again; this is what the step says at once.
log_verdict() {
  _lv_codes=$(log_codes "$1")
  _lv_other=$(printf '%s\n' "$_lv_codes" | tr ',' '\n' | grep -v -e '^$' -e '^0512-038$' -e '^0512-003$' | sed -n 1p)
  case ",$_lv_codes," in
  *,0512-038,*)
    if [ -n "$_lv_other" ]; then
      echo failed
    else
      case ",$_lv_codes," in
      *,0512-003,*) echo warning ;;
      *) echo success ;;
      esac
    fi
    ;;
  *)
    if [ -n "$_lv_other" ]; then echo failed; else echo unknown; fi
    ;;
  esac
}

# (Steps fed to `ksh -s` read their own text from stdin, so every command they run gets
# </dev/null: one that read stdin would swallow the rest of the script.)

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

# Every distinct AIX message code (0512-038, 0511-432…) in a log, in order, comma-separated.
# (grep -o is not on every AIX level; awk's match() is.)
log_codes() {
  awk '{ while (match($0, /0[0-9][0-9][0-9]-[0-9][0-9][0-9]/)) {
      c = substr($0, RSTART, RLENGTH); if (!(c in seen)) { seen[c] = 1; out = out (out == "" ? "" : ",") c }
      $0 = substr($0, RSTART + RLENGTH) } } END { print out }' "$1" 2>/dev/null
}

# --- ssh to the LPAR (relay mode) ---------------------------------------------------------------
# SSH_ADDRESS, SSH_USER, SSH_KEY, SSH_KNOWN_HOSTS and SSH_CONNECT_TIMEOUT are set by the step
# that uses ssh (transfer, relay) from its arguments.

valid_address() {
  # a host name, an IPv4 address or an IPv6 address (letters, digits, dot, hyphen, colon)
  case $1 in
  '' | -* | *[!A-Za-z0-9.:-]*) return 1 ;;
  esac
  [ ${#1} -le 255 ]
}

valid_user() {
  case $1 in
  '' | -* | *[!A-Za-z0-9._-]*) return 1 ;;
  esac
  [ ${#1} -le 32 ]
}

# Quotes one word for the remote shell: '…' with each ' written as '\''. The shell's own expansions
# do it (no sed: the relay quotes every argument of every step, hundreds of times a run), and keep
# trailing newlines as given.
shell_quote() {
  _q_rest=$1
  _q_out=
  while :; do
    case $_q_rest in
    *\'*)
      _q_out="$_q_out${_q_rest%%\'*}'\\''"
      _q_rest=${_q_rest#*\'}
      ;;
    *) break ;;
    esac
  done
  printf "'%s'" "$_q_out$_q_rest"
}

# ssh with the options that make a relay safe: never prompt (BatchMode), never accept an unknown or
# changed host key (StrictHostKeyChecking and the pinned known_hosts), give up on a dead host soon.
ssh_run() {
  set -- -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout="${SSH_CONNECT_TIMEOUT:-15}" \
    -o ServerAliveInterval=30 -o ServerAliveCountMax=4 "$@"
  [ -n "${SSH_KNOWN_HOSTS:-}" ] && set -- -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" "$@"
  [ -n "${SSH_KEY:-}" ] && set -- -i "$SSH_KEY" -o IdentitiesOnly=yes "$@"
  [ -n "${SSH_USER:-}" ] && set -- -l "$SSH_USER" "$@"
  ssh "$@"
}

# What an ssh exit status of 255 meant, from ssh's own messages: auth_failed or unreachable.
ssh_failure_kind() {
  if grep -qi -e 'permission denied' -e 'host key verification failed' -e 'authentication' \
    -e 'no matching host key' -e 'host identification has changed' "$1" 2>/dev/null; then
    echo auth_failed
  else
    echo unreachable
  fi
}

# A short reason from ssh's last message, safe to print as one protocol value.
ssh_failure_reason() {
  grep -i -e 'ssh' -e 'denied' -e 'refused' -e 'timed out' -e 'verification' -e 'resolve' "$1" 2>/dev/null |
    sed -n '$p' | tr -c 'A-Za-z0-9._:/-' '_' | cut -c1-160
}
