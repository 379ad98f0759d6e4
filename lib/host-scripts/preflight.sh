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

# Free bytes of the filesystem holding $1, from AIX `df -k` (field 3 is Free in 1024-byte blocks;
# a long device name wraps the line, so read the fields of the last line).
df_free_bytes() {
  "$DF" -k "$1" </dev/null 2>/dev/null | awk 'NR > 1 { line = $0 } END { n = split(line, f, " ");
    if (n >= 7 && f[n - 4] ~ /^[0-9]+$/) printf "%.0f\n", f[n - 4] * 1024 }'
}

df_mount_point() {
  "$DF" -k "$1" </dev/null 2>/dev/null | awk 'NR > 1 { line = $0 } END { n = split(line, f, " "); if (n >= 7) print f[n] }'
}

# The size of the newest local image named $1<date> in staging (0: none).
newest_local_size() {
  _nl_size=
  for _nl in "$STAGING/$1"*; do
    case ${_nl#"$STAGING/$1"} in
    [12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]) [ -f "$_nl" ] && [ ! -L "$_nl" ] && _nl_size=$(file_size "$_nl") ;;
    esac
  done
  printf '%s\n' "${_nl_size:-0}"
}
larger() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f\n", (a > b ? a : b) }'
}

# What the run will write to staging, whose filesystem has $1 bytes free: the mksysb image and one
# savevg image per declared volume group (backup prunes the kept local copies only after all of them
# are written). Each is estimated by the larger of what history expects (expectedSizeBytes, rootvg
# only) and the newest local copy of that kind; a volume group with neither is unknown and counts 0.
# Sets REQUIRED (the estimate times stagingSizeFactor).
staging_requirement() {
  _sr_mksysb=$(larger "$EXPECTED" "$(newest_local_size "${HOST}_mksysb_")")
  kv mksysb_expected_bytes "$_sr_mksysb"
  _sr_savevg=0
  if [ -n "$VGS" ]; then
    for vg in $(printf '%s\n' "$VGS" | tr ',' ' '); do
      [ "$vg" = rootvg ] && continue
      vg_expected=$(newest_local_size "${HOST}_savevg_${vg}_")
      if [ "$vg_expected" -gt 0 ]; then kv "vg.$vg.expected_bytes" "$vg_expected"; else kv "vg.$vg.expected_bytes" unknown; fi
      _sr_savevg=$(awk -v a="$_sr_savevg" -v b="$vg_expected" 'BEGIN { printf "%.0f\n", a + b }')
    done
  fi
  kv savevg_expected_bytes "$_sr_savevg"
  REQUIRED=$(awk -v e="$_sr_mksysb" -v s="$_sr_savevg" -v f="$FACTOR" 'BEGIN { printf "%.0f\n", (e + s) * f }')
  kv staging_free_bytes "$1"
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

# Staging with $1 bytes free is refused when it is smaller than REQUIRED.
refuse_if_too_small() {
  if awk -v f="$1" -v r="$REQUIRED" 'BEGIN { exit !(f < r) }'; then
    finish refused "staging_too_small:free_${1}_required_$REQUIRED"
  fi
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
  _ip_short=$(printf '%s\n' "${_ip_out%%.*}" | tr '[:upper:]' '[:lower:]')
  [ "$_ip_short" = "$(printf '%s\n' "${HOST%%.*}" | tr '[:upper:]' '[:lower:]')" ] ||
    finish refused "host_mismatch:expected_$HOST"
  kv nfs_export "$NFS_EXPORT"
  kv nfs_mount_point "$NFS_MOUNT_POINT"
  kv staging "$STAGING"
  staging_system_dir "$STAGING" && finish refused "staging_is_system_filesystem:$STAGING"
  [ -d "$EXPORT_DIR" ] || finish refused "nfs_export_missing:$EXPORT_DIR"
  for _ip_dir in "$EXPORT_DIR" "$STAGING"; do
    [ -e "$_ip_dir" ] || continue
    [ -d "$_ip_dir" ] || finish refused "staging_missing:$_ip_dir"
    _ip_unsafe=$(staging_unsafe "$_ip_dir")
    [ -z "$_ip_unsafe" ] || finish refused "$_ip_unsafe"
  done
  [ -w "$EXPORT_DIR" ] || finish refused "nfs_export_unwritable:$EXPORT_DIR"
  _ip_df=$(relay_df "$EXPORT_DIR")
  [ -n "$_ip_df" ] || finish refused "staging_df_unreadable:$EXPORT_DIR"
  kv staging_mount "${_ip_df#* }"
  # (a VIOS has no savevg images: VGS is empty)
  staging_requirement "${_ip_df%% *}"
  refuse_if_locked
  refuse_if_too_small "${_ip_df%% *}"
  finish ok ''
}

kv mksysb-vault.step preflight
kv started "$(now_utc)"

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
short_actual=$(printf '%s\n' "${actual_host%%.*}" | tr '[:upper:]' '[:lower:]')
short_wanted=$(printf '%s\n' "${HOST%%.*}" | tr '[:upper:]' '[:lower:]')
[ "$short_actual" = "$short_wanted" ] || finish refused "host_mismatch:expected_$HOST"

kv oslevel "$("$OSLEVEL" -s </dev/null 2>/dev/null)"

# Staging: an existing directory of its own on its own filesystem, never a system directory (a full /
# or /tmp hangs AIX), owned by root and writable by nobody else (root writes there).
staging_system_dir "$STAGING" && finish refused "staging_is_system_filesystem:$STAGING"
kv staging "$STAGING"
[ -d "$STAGING" ] || finish refused "staging_missing:$STAGING"
unsafe=$(staging_unsafe "$STAGING")
[ -z "$unsafe" ] || finish refused "$unsafe"
mount=$(df_mount_point "$STAGING")
kv staging_mount "$mount"
case $mount in
/ | /tmp) finish refused "staging_on_system_filesystem:$mount" ;;
'') finish refused "staging_df_unreadable:$STAGING" ;;
esac
free=$(df_free_bytes "$STAGING")
[ -n "$free" ] || finish refused "staging_df_unreadable:$STAGING"

staging_requirement "$free"

# /tmp holds the boot image while mksysb -i runs; -X lets mksysb grow /tmp itself.
tmp_free=$(df_free_bytes /tmp)
kv tmp_free_bytes "${tmp_free:-unknown}"
kv tmp_required_bytes "$TMP_REQUIRED"
grow_tmp=no
case " $FLAGS " in
*X*) grow_tmp=yes ;;
esac
kv tmp_expand "$grow_tmp"

# Volume groups: rootvg and each declared one must be varied on (lsvg -o lists those).
online=$("$LSVG" -o </dev/null 2>/dev/null)
kv online_vgs "$(printf '%s\n' "$online" | tr '\n' ',' | sed 's/,*$//')"

# Staging inside rootvg: mksysb backs up every rootvg filesystem, so each new image would carry the
# older images kept in staging (and grow by them every week) unless the exclude list leaves them out.
# The staging filesystem is rootvg's when `lsvg -l rootvg` lists its mount point (lsfs and lslv show
# the same). The list that counts is the one backup will use: the config's, else the host's own
# /etc/exclude.rootvg when the flags ask for -e. Each image name the run writes must match a line, as
# mksysb's own grep would match it.
staging_rel=$(printf '%s\n' "${STAGING#"${AIXROOT:-}"}" | sed -e 's#//*#/#g' -e 's#\(.\)/$#\1#')
if "$LSVG" -l rootvg </dev/null 2>/dev/null | awk -v m="$mount" 'NR > 2 && $NF == m { f = 1 } END { exit !f }'; then
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
  today=$(date -u +%Y-%m-%d)
  staging_excluded=yes
  for name in "${HOST}_mksysb_$today" $(printf '%s\n' "$VGS" | tr ',' '\n' | sed -n "s/^\(..*\)$/${HOST}_savevg_\1_$today/p"); do
    exclude_matches "$exclude_check" ".$staging_rel/$name" || staging_excluded=no
  done
  [ "$exclude_check" = "$EXCLUDE_FILE" ] || rm -f "$exclude_check"
  kv staging_excluded "$staging_excluded"
else
  kv staging_vg other
fi

refuse_if_locked
printf '%s\n' "$online" | grep -qx rootvg || finish refused "rootvg_not_varied_on"
if [ "${staging_excluded:-yes}" = no ]; then
  finish refused "staging_in_rootvg_not_excluded:$staging_rel:add_^.$staging_rel/_to_the_host_exclude_list"
fi
if [ -n "$VGS" ]; then
  for vg in $(printf '%s\n' "$VGS" | tr ',' ' '); do
    printf '%s\n' "$online" | grep -qx "$vg" || finish refused "volume_group_not_varied_on:$vg"
  done
fi
refuse_if_too_small "$free"
if [ "$grow_tmp" = no ] && [ -n "$tmp_free" ] && [ "$tmp_free" -lt "$TMP_REQUIRED" ]; then
  finish refused "tmp_too_small:free_${tmp_free}_required_$TMP_REQUIRED"
fi
finish ok ''
