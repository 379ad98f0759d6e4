#!/bin/sh
# mksysb-vault preflight: runs on the LPAR before a backup and refuses (exit 10) when the backup
# could not succeed or would harm the host: wrong host, staging a system directory, unsafe for root
# (a symlink, not root's, writable by others), on / or /tmp or too small for every image the run
# writes, /tmp too small for the boot image, rootvg or a declared volume group not varied on,
# another run holding the lock, staging inside rootvg without the exclude list leaving it out (every
# image would carry the older images kept there). Arguments are key=value words; output is the protocol in docs/host-protocol.md.
# A VIOS with viosShell=ioscli: it runs on the relay (ioscli.sh): the VIOS answers `ioscli ioslevel`
# and `ioscli hostname`, and the relay's export directory for it is safe and has room.
# shellcheck shell=sh disable=SC2317 # helpers of its pieces a step does not call look unreachable
. ./protocol.sh
. ./validate.sh
. ./aix.sh
. ./staging.sh
. ./exclude.sh
. ./ssh.sh
. ./ioscli.sh

# Free bytes and mount point of the filesystem holding $1, from one AIX `df -k` (field 3 is Free in
# 1024-byte blocks; a long device name wraps the line, so read the fields of the last line), in
# DF_FREE and DF_MOUNT (each empty when unreadable).
df_fields() {
  _df_out=$("$DF" -k "$1" </dev/null 2>/dev/null | awk 'NR > 1 { line = $0 } END { n = split(line, f, " ");
    if (n >= 7) print (f[n - 4] ~ /^[0-9]+$/ ? sprintf("%.0f", f[n - 4] * 1024) : "-"), f[n] }')
  set -f
  # shellcheck disable=SC2086 # split on purpose
  set -- $_df_out
  set +f
  DF_FREE=${1#-}
  DF_MOUNT=${2:-}
}

# The size of the newest local image named $1<date> in staging, in NEWEST_SIZE (0: none).
newest_local_size() {
  _nl_last=
  for _nl in "$STAGING/$1"*; do
    case ${_nl#"$STAGING/$1"} in
    [12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]) [ -f "$_nl" ] && [ ! -L "$_nl" ] && _nl_last=$_nl ;;
    esac
  done
  FILE_SIZE=
  [ -z "$_nl_last" ] || size_of "$_nl_last"
  NEWEST_SIZE=${FILE_SIZE:-0}
}

# What the run will write to staging, whose filesystem has $1 bytes free: the mksysb image and one
# savevg image per declared volume group (backup prunes the kept local copies only after all of them
# are written). Each is estimated by the larger of what history expects (expectedSizeBytes, rootvg
# only) and the newest local copy of that kind; a volume group with neither is unknown and counts 0.
# Sets REQUIRED (the estimate times stagingSizeFactor) and, for refuse_if_too_small, STAGING_FREE
# and STAGING_SHORT (one awk does the sums and the comparison).
staging_requirement() {
  STAGING_FREE=$1
  newest_local_size "${HOST}_mksysb_"
  _sr_local=$NEWEST_SIZE
  _sr_vgs=
  for vg in $VG_WORDS; do
    [ "$vg" = rootvg ] && continue
    newest_local_size "${HOST}_savevg_${vg}_"
    _sr_vgs="$_sr_vgs $vg=$NEWEST_SIZE"
  done
  # shellcheck disable=SC2046 # four numbers, split on purpose
  set -- $(awk -v e="$EXPECTED" -v l="$_sr_local" -v s="$_sr_vgs" -v f="$FACTOR" -v free="$STAGING_FREE" 'BEGIN {
    m = sprintf("%.0f", e > l ? e : l); t = 0; n = split(s, v, " ")
    for (i = 1; i <= n; i++) t = sprintf("%.0f", t + substr(v[i], index(v[i], "=") + 1))
    r = sprintf("%.0f", (m + t) * f); print m, t, r, (free < r + 0 ? "yes" : "no") }')
  _sr_mksysb=$1
  _sr_savevg=$2
  REQUIRED=$3
  STAGING_SHORT=$4
  kv mksysb_expected_bytes "$_sr_mksysb"
  for _sr_vg in $_sr_vgs; do
    if [ "${_sr_vg#*=}" -gt 0 ]; then
      kv "vg.${_sr_vg%%=*}.expected_bytes" "${_sr_vg#*=}"
    else
      kv "vg.${_sr_vg%%=*}.expected_bytes" unknown
    fi
  done
  kv savevg_expected_bytes "$_sr_savevg"
  kv staging_free_bytes "$STAGING_FREE"
  kv required_bytes "$REQUIRED"
}

# The lock: a live owner means a backup is running now (refused); a dead one is taken over.
refuse_if_locked() {
  lock_inspect "$STAGING/.mksysb-vault.lock"
  kv lock "$LOCK_STATE"
  case $LOCK_STATE in
  held:*) finish refused "locked_by_pid:${LOCK_STATE#held:}" ;;
  esac
}

# Staging is refused when its free bytes are fewer than REQUIRED (staging_requirement).
refuse_if_too_small() {
  if [ "$STAGING_SHORT" = yes ]; then
    finish refused "staging_too_small:free_${STAGING_FREE}_required_$REQUIRED"
  fi
}

# Is the staging filesystem (mount point $mount) rootvg's? `lsvg -l rootvg`: two header lines, then
# one line per logical volume, its mount point last (awk 'NR > 2 && $NF == m', in the shell).
staging_in_rootvg() {
  _ir_rest=$("$LSVG" -l rootvg </dev/null 2>/dev/null)
  _ir_n=0
  while [ -n "$_ir_rest" ]; do
    _ir_line=${_ir_rest%%"$NL"*}
    case $_ir_rest in
    *"$NL"*) _ir_rest=${_ir_rest#*"$NL"} ;;
    *) _ir_rest= ;;
    esac
    _ir_n=$((_ir_n + 1))
    _ir_line=${_ir_line%"${_ir_line##*[![:blank:]]}"}
    [ "$_ir_n" -gt 2 ] && [ "${_ir_line##*[[:blank:]]}" = "$mount" ] && return 0
  done
  return 1
}
# Does the name a host gives ($1) name HOST? Short names, case aside (tr only when they differ as given).
same_host() {
  _sh_got=${1%%.*}
  _sh_want=${HOST%%.*}
  [ "$_sh_got" = "$_sh_want" ] && return 0
  _sh_low=$(printf '%s %s\n' "$_sh_want" "$_sh_got" | tr '[:upper:]' '[:lower:]')
  [ "${_sh_low#* }" = "${_sh_low%% *}" ]
}

# Is $1 one of lsvg -o's lines ($online)? As grep -qx "$1" has it: a dot in a name matches any character.
vg_online() {
  case "$NL$online$NL" in
  *"$NL$1$NL"*) return 0 ;;
  esac
  case $1 in
  *.*) printf '%s\n' "$online" | grep -qx "$1" ;;
  *) return 1 ;;
  esac
}

valid_factor() {
  case $1 in
  '' | .* | *. | *.*.* | *[!0-9.]*) return 1 ;;
  esac
  return 0
}

# On the relay, for a VIOS reached through ioscli alone: one ssh call per ioscli command, then the
# relay's own export directory for the host, checked as staging is on an LPAR (it is where backupios
# writes, through NFS). Ends the step.
ioscli_preflight() {
  _ip_err="${TMPDIR:-/tmp}/mksysb-vault-ioscli.$$"
  _ip_out=$(ioscli_run ioslevel 2>"$_ip_err")
  _ip_rc=$?
  finish_if_ssh_failed "$_ip_rc" "$_ip_err"
  if [ "$_ip_rc" -ne 0 ]; then
    _ip_why=$(first_words "$_ip_err")
    rm -f "$_ip_err"
    finish refused "vios_ioscli_unavailable:exit_${_ip_rc}:$_ip_why"
  fi
  kv ioslevel "$_ip_out"
  _ip_out=$(ioscli_run hostname 2>"$_ip_err")
  finish_if_ssh_failed $? "$_ip_err"
  rm -f "$_ip_err"
  kv hostname "$_ip_out"
  same_host "$_ip_out" || finish refused "host_mismatch:expected_$HOST"
  kv nfs_export "$NFS_EXPORT"
  kv nfs_mount_point "$NFS_MOUNT_POINT"
  kv staging "$STAGING"
  staging_system_dir "$STAGING" && finish refused "staging_is_system_filesystem:$STAGING"
  [ -d "$EXPORT_DIR" ] || finish refused "nfs_export_missing:$EXPORT_DIR"
  for _ip_dir in "$EXPORT_DIR" "$STAGING"; do
    [ -e "$_ip_dir" ] || continue
    [ -d "$_ip_dir" ] || finish refused "staging_missing:$_ip_dir"
    staging_unsafe "$_ip_dir"
    [ -z "$UNSAFE" ] || finish refused "$UNSAFE"
  done
  [ -w "$EXPORT_DIR" ] || finish refused "nfs_export_unwritable:$EXPORT_DIR"
  _ip_df=$(relay_df "$EXPORT_DIR")
  [ -n "$_ip_df" ] || finish refused "staging_df_unreadable:$EXPORT_DIR"
  kv staging_mount "${_ip_df#* }"
  # (a VIOS has no savevg images: VGS is empty)
  staging_requirement "${_ip_df%% *}"
  refuse_if_locked
  refuse_if_too_small
  finish ok ''
}

STARTED=$(now_utc)
kv mksysb-vault.step preflight
kv started "$STARTED"

HOST=
STAGING=
EXPECTED=0
FACTOR=1.5
FLAGS=
VGS=
TMP_REQUIRED=67108864
EXCLUDE_HEX=
VIOS_SHELL=
for arg in "$@"; do
  case $arg in
  host=*) HOST=${arg#host=} ;;
  staging=*) STAGING=${arg#staging=} ;;
  expectedSizeBytes=*) EXPECTED=${arg#expectedSizeBytes=} ;;
  sizeFactor=*) FACTOR=${arg#sizeFactor=} ;;
  mksysbFlags=*) FLAGS=${arg#mksysbFlags=} ;;
  volumeGroups=*) VGS=${arg#volumeGroups=} ;;
  tmpRequiredBytes=*) TMP_REQUIRED=${arg#tmpRequiredBytes=} ;;
  excludeList=*) EXCLUDE_HEX=${arg#excludeList=} ;;
  viosShell=*) VIOS_SHELL=${arg#viosShell=} ;;
  *) ioscli_arg "$arg" || invalid_arg unknown_argument ;;
  esac
done
valid_name "$HOST" || invalid_arg host
valid_path "$STAGING" || invalid_arg staging
valid_uint "$EXPECTED" || invalid_arg expectedSizeBytes
valid_factor "$FACTOR" || invalid_arg sizeFactor
valid_flags "$FLAGS" || invalid_arg mksysbFlags
valid_vg_list "$VGS" || invalid_arg volumeGroups
vg_words "$VGS"
valid_uint "$TMP_REQUIRED" || invalid_arg tmpRequiredBytes
valid_hex "$EXCLUDE_HEX" || invalid_arg excludeList
case $VIOS_SHELL in
'') ;;
ioscli)
  ioscli_args_check
  ioscli_preflight
  ;;
*) invalid_arg viosShell ;;
esac

DF=$(aixcmd df) || finish failed "command_missing:df"
HOSTNAME_CMD=$(aixcmd hostname) || finish failed "command_missing:hostname"
OSLEVEL=$(aixcmd oslevel) || finish failed "command_missing:oslevel"
LSVG=$(aixcmd lsvg) || finish failed "command_missing:lsvg"

# The right machine: an address that now points at another LPAR must not get its backup.
actual_host=$("$HOSTNAME_CMD" </dev/null 2>/dev/null)
kv hostname "$actual_host"
same_host "$actual_host" || finish refused "host_mismatch:expected_$HOST"

kv oslevel "$("$OSLEVEL" -s </dev/null 2>/dev/null)"

# Staging: an existing directory of its own on its own filesystem, never a system directory (a full /
# or /tmp hangs AIX), owned by root and writable by nobody else (root writes there).
staging_system_dir "$STAGING" && finish refused "staging_is_system_filesystem:$STAGING"
kv staging "$STAGING"
[ -d "$STAGING" ] || finish refused "staging_missing:$STAGING"
staging_unsafe "$STAGING"
[ -z "$UNSAFE" ] || finish refused "$UNSAFE"
df_fields "$STAGING"
mount=$DF_MOUNT
free=$DF_FREE
kv staging_mount "$mount"
case $mount in
/ | /tmp) finish refused "staging_on_system_filesystem:$mount" ;;
'') finish refused "staging_df_unreadable:$STAGING" ;;
esac
[ -n "$free" ] || finish refused "staging_df_unreadable:$STAGING"

staging_requirement "$free"

# /tmp holds the boot image while mksysb -i runs; -X lets mksysb grow /tmp itself.
df_fields /tmp
tmp_free=$DF_FREE
kv tmp_free_bytes "${tmp_free:-unknown}"
kv tmp_required_bytes "$TMP_REQUIRED"
grow_tmp=no
case " $FLAGS " in
*X*) grow_tmp=yes ;;
esac
kv tmp_expand "$grow_tmp"

# Volume groups: rootvg and each declared one must be varied on (lsvg -o lists those).
online=$("$LSVG" -o </dev/null 2>/dev/null)
# (its lines joined by commas, trailing commas cut: tr '\n' , | sed 's/,*$//' in the shell)
online_list=$online
while :; do
  case $online_list in
  *"$NL"*) online_list="${online_list%%"$NL"*},${online_list#*"$NL"}" ;;
  *,) online_list=${online_list%,} ;;
  *) break ;;
  esac
done
kv online_vgs "$online_list"

# Staging inside rootvg: mksysb backs up every rootvg filesystem, so each new image would carry the
# older images kept in staging (and grow by them every week) unless the exclude list leaves them out.
# The staging filesystem is rootvg's when `lsvg -l rootvg` lists its mount point (lsfs and lslv show
# the same). The list that counts is the one backup will use: the config's, else the host's own
# /etc/exclude.rootvg when the flags ask for -e. Each image name the run writes must match a line, as
# mksysb's own grep would match it.
norm_path "${STAGING#"${AIXROOT:-}"}"
staging_rel=$NORM_PATH
if staging_in_rootvg; then
  kv staging_vg rootvg
  exclude_check=
  if [ -n "$EXCLUDE_HEX" ]; then
    exclude_check="$STAGING/.mksysb-vault.exclude.check"
    rm -f "$exclude_check"
    hex_decode "$EXCLUDE_HEX" >"$exclude_check"
  else
    case $FLAGS in
    *e*) exclude_check=$EXCLUDE_FILE ;;
    esac
  fi
  today=${STARTED%%T*}
  names="${HOST}_mksysb_$today"
  for vg in $VG_WORDS; do
    names="$names ${HOST}_savevg_${vg}_$today"
  done
  staging_excluded=yes
  for name in $names; do
    exclude_matches "$exclude_check" ".$staging_rel/$name" || staging_excluded=no
  done
  [ "$exclude_check" = "$EXCLUDE_FILE" ] || rm -f "$exclude_check"
  kv staging_excluded "$staging_excluded"
else
  kv staging_vg other
fi

refuse_if_locked
vg_online rootvg || finish refused "rootvg_not_varied_on"
if [ "${staging_excluded:-yes}" = no ]; then
  finish refused "staging_in_rootvg_not_excluded:$staging_rel:add_^.$staging_rel/_to_the_host_exclude_list"
fi
if [ -n "$VGS" ]; then
  for vg in $VG_WORDS; do
    vg_online "$vg" || finish refused "volume_group_not_varied_on:$vg"
  done
fi
refuse_if_too_small
if [ "$grow_tmp" = no ] && [ -n "$tmp_free" ] && [ "$tmp_free" -lt "$TMP_REQUIRED" ]; then
  finish refused "tmp_too_small:free_${tmp_free}_required_$TMP_REQUIRED"
fi
finish ok ''
