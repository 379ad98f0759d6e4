#!/bin/sh
# mksysb-vault restore-test: runs on a test LPAR (through the relay, like every step) and proves an
# image restores. Preflight first, and it touches nothing: the right machine, the spare disk known to
# `lspv` and in no volume group (its VOLUME GROUP column `None`), no altinst_rootvg already there, the
# alt_disk_install commands present, the work directory a directory of its own, no other test running.
# Then: download the image (presigned GET URL, curl), its SHA-256 checked against the record's;
# `alt_disk_mksysb -m <image> -d <disk> -B` (-B: the bootlist is left alone, the test LPAR keeps
# booting its own rootvg); `alt_rootvg_op -W -d <disk>` wakes the alternate rootvg (its filesystems
# mounted under /alt_inst); `chroot /alt_inst /usr/bin/oslevel -s` and the key files under /alt_inst;
# then always, whatever happened after the restore began (a trap): `alt_rootvg_op -S` puts it back to
# sleep and `alt_rootvg_op -X altinst_rootvg` removes it, and the download is deleted. Command syntax
# from IBM's AIX 7.2 command reference (alt_disk_mksysb, alt_rootvg_op, lspv). The lines it prints
# are read by lambdas/core/restore-test.ts (parseRestoreTestOutput, judgeRestoreTest).
# Usage: restore-test.sh host= disk= imageUrl= sha256= osLevel= workDir=
# shellcheck shell=sh disable=SC2317 # helpers of its pieces a step does not call look unreachable
. ./protocol.sh
. ./validate.sh
. ./aix.sh

kv mksysb-vault.step restore-test
kv started "$(now_utc)"

HOST=
DISK=
IMAGE_URL=
SHA256=
OSLEVEL=
WORKDIR=/restoretest
for arg in "$@"; do
  case $arg in
  host=*) HOST=${arg#host=} ;;
  disk=*) DISK=${arg#disk=} ;;
  imageUrl=*) IMAGE_URL=${arg#imageUrl=} ;;
  sha256=*) SHA256=${arg#sha256=} ;;
  osLevel=*) OSLEVEL=${arg#osLevel=} ;;
  workDir=*) WORKDIR=${arg#workDir=} ;;
  *) invalid_arg unknown_argument ;;
  esac
done
valid_name "$HOST" || invalid_arg host
case $DISK in
hdisk[0-9] | hdisk[0-9][0-9] | hdisk[0-9][0-9][0-9] | hdisk[0-9][0-9][0-9][0-9]) ;;
*) invalid_arg disk ;;
esac
case $IMAGE_URL in
http://?* | https://?*) ;;
*) invalid_arg imageUrl ;;
esac
case $IMAGE_URL in
*[!A-Za-z0-9._~:/?\&=%+-]*) invalid_arg imageUrl ;;
esac
case $SHA256 in
'') ;;
*[!0-9a-f]*) invalid_arg sha256 ;;
*) [ ${#SHA256} -eq 64 ] || invalid_arg sha256 ;;
esac
case $OSLEVEL in
*[!0-9.-]*) invalid_arg osLevel ;;
esac
valid_path "$WORKDIR" || invalid_arg workDir
case $WORKDIR in
/ | /tmp | /tmp/) invalid_arg workDir ;;
esac
kv disk "$DISK"

# --- preflight: nothing is touched until every check passed ---------------------------------------
HOSTNAME_CMD=$(aixcmd hostname) || finish failed "command_missing:hostname"
actual_host=$("$HOSTNAME_CMD" </dev/null 2>/dev/null)
[ "$actual_host" = "$HOST" ] || finish refused "wrong_host:$actual_host"
LSPV=$(aixcmd lspv) || finish refused "command_missing:lspv"
ALT_MKSYSB=$(aixcmd alt_disk_mksysb) || finish refused "alt_disk_install_missing:alt_disk_mksysb"
ALT_OP=$(aixcmd alt_rootvg_op) || finish refused "alt_disk_install_missing:alt_rootvg_op"
CHROOT=$(aixcmd chroot) || finish refused "command_missing:chroot"
CURL=$(aixcmd curl) || CURL=$(command -v curl) || finish refused "command_missing:curl"
# lspv: `hdisk1  00f8…  None` (free), `hdisk0  00f8…  rootvg  active`; a disk without a PVID says
# `none` in the second column. The third column is the volume group. (One awk reads both lines the
# checks below need: the disk's volume group, and the disk of an altinst_rootvg.)
lspv_out=$("$LSPV" </dev/null 2>&1) || finish failed "lspv_failed"
lspv_read=$(printf '%s\n' "$lspv_out" | awk -v d="$DISK" '!v && $1 == d { v = 1; vg = $3 }
  !a && $3 == "altinst_rootvg" { a = 1; alt = $1 } END { print vg; print alt "." }')
disk_vg=${lspv_read%%"$NL"*}
alt_vg=${lspv_read#*"$NL"}
alt_vg=${alt_vg%.}
[ -n "$disk_vg" ] || finish refused "disk_not_found:$DISK"
kv disk_vg "$disk_vg"
[ "$disk_vg" = None ] || finish refused "disk_in_use:$DISK:$disk_vg"
# Another alternate rootvg (of a test cut short, or the site's own alt_disk_copy) would make
# alt_disk_mksysb fail, and the clean-up below would remove it: never touch one that is not ours.
[ -z "$alt_vg" ] || finish refused "altinst_rootvg_exists:$alt_vg"
WD=${AIXROOT:-}$WORKDIR
{ [ -d "$WD" ] && [ ! -L "$WD" ]; } || finish refused "workdir_missing:$WORKDIR"
LOCK=$WD/.mksysb-vault.restore-test.lock
mkdir "$LOCK" 2>/dev/null || finish refused "busy:$WORKDIR"

# --- from here on the test owns the lock, the download and (once begun) the alternate rootvg -------
IMG=$WD/restore-test.$$.mksysb
LOG=$WD/restore-test.$$.log
RESTORE_BEGUN=no
WOKEN=no
CLEANED=no
cleanup() {
  [ "$CLEANED" = yes ] && return 0
  CLEANED=yes
  _c_status=skipped
  _c_msg=
  if [ "$WOKEN" = yes ]; then
    "$ALT_OP" -S </dev/null >>"$LOG" 2>&1 || _c_msg="alt_rootvg_op -S failed"
  fi
  if [ "$RESTORE_BEGUN" = yes ]; then
    if "$ALT_OP" -X altinst_rootvg </dev/null >>"$LOG" 2>&1; then
      _c_status=ok
    else
      _c_status=failed
      _c_msg="alt_rootvg_op -X altinst_rootvg failed: $(tail -1 "$LOG" 2>/dev/null)"
    fi
  fi
  kv cleanup "$_c_status"
  kv_opt cleanup_message "$_c_msg"
  rm -f "$IMG" "$LOG"
  rmdir "$LOCK" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit "$EX_FAILED"' HUP INT TERM
# Ends the test: the clean-up first, its lines before the status.
end_test() {
  cleanup
  finish "$@"
}

epoch_now
T0=$EPOCH_NOW
if "$CURL" -fsS --retry 3 -o "$IMG" "$IMAGE_URL" </dev/null 2>>"$LOG"; then
  kv download ok
  size_of "$IMG"
  kv download_bytes "$FILE_SIZE"
else
  kv download failed
  end_test failed "download_failed:$(tail -1 "$LOG" 2>/dev/null | cut -c1-120)"
fi
# (aix.sh's sha256_of: openssl.base, else AIX's csum; nothing with neither)
sha256_of "$IMG"
got=
[ "$FILE_SHA256" = none ] || got=${FILE_SHA256#* }
kv_opt sha256 "$got"
[ -n "$got" ] || end_test failed "sha256_unavailable"
[ -z "$SHA256" ] || [ "$got" = "$SHA256" ] || end_test failed "sha256_mismatch"

RESTORE_BEGUN=yes
"$ALT_MKSYSB" -m "$IMG" -d "$DISK" -B </dev/null >>"$LOG" 2>&1
rc=$?
epoch_now
T1=$EPOCH_NOW
kv alt_disk_mksysb_exit "$rc"
kv restore_seconds $((T1 - T0))
if [ "$rc" -ne 0 ]; then
  kv alt_disk_mksysb_message "$(grep -E '^0[0-9]{3}-[0-9]{3}' "$LOG" 2>/dev/null | tail -1 | cut -c1-200)"
  end_test failed "alt_disk_mksysb_failed"
fi
rm -f "$IMG"

if "$ALT_OP" -W -d "$DISK" </dev/null >>"$LOG" 2>&1; then
  WOKEN=yes
  kv wake ok
else
  kv wake failed
  end_test failed "wake_failed"
fi
ALT=${AIXROOT:-}/alt_inst
alt_oslevel=$("$CHROOT" "$ALT" /usr/bin/oslevel -s </dev/null 2>/dev/null)
kv oslevel "${alt_oslevel%%"$NL"*}"
checked=0
missing=
for f in /unix /etc/filesystems /etc/inittab /etc/passwd /usr/lib/boot/unix_64 /sbin/rc.boot; do
  checked=$((checked + 1))
  [ -e "$ALT$f" ] || missing="${missing:+$missing,}$f"
done
kv key_files_checked "$checked"
kv key_files_missing "$missing"
end_test ok ""
