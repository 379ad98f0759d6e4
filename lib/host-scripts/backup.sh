#!/bin/sh
# mksysb-vault backup: runs on the LPAR. Makes the rootvg image with mksysb -i and one savevg image
# per declared volume group in the staging directory (with the config's exclude list, if any, written
# to /etc/exclude.rootvg and mksysb -e), describes each (lsmksysb -lf, size, SHA-256,
# restore -Tqf table of contents, log verdict, the MD5 of each upload part) in sidecars beside it,
# and prunes old local copies. On a VIOS (viosShell= set) the image is `ioscli backupios -file <image>
# -mksysb` (a mksysb of the VIOS's rootvg) and `ioscli viosbr -backup -file <image>.viosbr` writes
# the virtual device mappings beside it as <image>.viosbr.tar.gz (viosbr adds .tar.gz; an absolute
# name keeps it out of /home/padmin/cfgbackups); a viosbr that fails makes the run partial, the
# image kept. A VIOS with viosShell=ioscli: the step runs on the relay (ioscli.sh), in the host's
# directory of the relay's NFS export; it has the VIOS mount it (`ioscli mount`), runs backupios and
# viosbr there one ssh call each, unmounts it whatever happened, and describes the files itself (the
# relay has no lsmksysb: the listing is `lsmksysb=none`, and verify relies on the content check).
# Arguments are key=value words; output is the protocol in docs/host-protocol.md.
# shellcheck shell=sh disable=SC2317 # helpers of its pieces a step does not call look unreachable
. ./protocol.sh
. ./validate.sh
. ./aix.sh
. ./staging.sh
. ./part-md5.sh
. ./exclude.sh
. ./ssh.sh
. ./ioscli.sh

# Clears the way for root to create each path in staging: a symlink there (left or planted) is
# removed, so no write and no chmod ever follows a link to a file elsewhere.
unlink_symlinks() {
  for _us in "$@"; do
    if [ -L "$_us" ]; then rm -f "$_us"; fi
  done
  return 0
}

# What a mksysb/savevg log says, read in one awk pass: LOG_CODES, every distinct AIX message code
# (0512-038, 0511-432…) in order, comma-separated (grep -o is not on every AIX level; awk's match()
# is); LOG_TO_BACK_UP and LOG_BACKED_UP, the last "Backing up N files" and "N of M files" counts;
# and LOG_VERDICT: success needs 0512-038 and no other code (0512-003, "some files may not have been
# archived", only makes it a warning), failed with another code, else unknown. The verify Lambda
# reads the whole log again; this is what the step says at once.
read_log() {
  # (four words, "-" for none)
  # shellcheck disable=SC2046 # split on purpose
  set -- $(awk '{ if (match($0, /^Backing up [0-9][0-9]* files/)) t = substr($0, 12, RLENGTH - 17)
    if (match($0, /^[0-9][0-9]* of [0-9][0-9]* files/)) b = substr($0, 1, index($0, " of ") - 1)
    while (match($0, /0[0-9][0-9][0-9]-[0-9][0-9][0-9]/)) {
      c = substr($0, RSTART, RLENGTH); if (!(c in seen)) { seen[c] = 1; out = out (out == "" ? "" : ",") c }
      if (c != "0512-038" && c != "0512-003") other = 1
      $0 = substr($0, RSTART + RLENGTH) } }
  END { v = other ? "failed" : (("0512-038" in seen) ? (("0512-003" in seen) ? "warning" : "success") : "unknown")
    print v, (out == "" ? "-" : out), (t == "" ? "-" : t), (b == "" ? "-" : b) }' "$1" 2>/dev/null)
  LOG_VERDICT=${1:-unknown}
  LOG_CODES=${2#-}
  LOG_TO_BACK_UP=${3#-}
  LOG_BACKED_UP=${4#-}
}

# rm -f "$@" when one of them is there (a process fewer in the usual case, when none is).
rm_present() {
  for _rp in "$@"; do
    if [ -e "$_rp" ] || [ -L "$_rp" ]; then
      rm -f "$@"
      return
    fi
  done
}

# The run's start: the first line's started=, the detached run's status file and its lock.
RUN_STARTED=$(now_utc)
kv mksysb-vault.step backup
kv started "$RUN_STARTED"

HOST=
STAGING=
DATE=
VGS=
FLAGS=
KEEP=2
PART_SIZE=67108864
RUN=foreground
EXCLUDE_HEX=
VIOS_SHELL=
for arg in "$@"; do
  case $arg in
  host=*) HOST=${arg#host=} ;;
  staging=*) STAGING=${arg#staging=} ;;
  date=*) DATE=${arg#date=} ;;
  volumeGroups=*) VGS=${arg#volumeGroups=} ;;
  mksysbFlags=*) FLAGS=${arg#mksysbFlags=} ;;
  keepLocal=*) KEEP=${arg#keepLocal=} ;;
  partSizeBytes=*) PART_SIZE=${arg#partSizeBytes=} ;;
  run=*) RUN=${arg#run=} ;;
  excludeList=*) EXCLUDE_HEX=${arg#excludeList=} ;;
  viosShell=*) VIOS_SHELL=${arg#viosShell=} ;;
  *) ioscli_arg "$arg" || invalid_arg unknown_argument ;;
  esac
done
valid_name "$HOST" || invalid_arg host
valid_path "$STAGING" || invalid_arg staging
valid_date "$DATE" || invalid_arg date
valid_vg_list "$VGS" || invalid_arg volumeGroups
vg_words "$VGS"
valid_flags "$FLAGS" || invalid_arg mksysbFlags
valid_uint "$KEEP" || invalid_arg keepLocal
valid_hex "$EXCLUDE_HEX" || invalid_arg excludeList
case $VIOS_SHELL in
'') ;;
# backupios saves the volume group structures itself and takes no list the vault writes.
oem_setup_env | ioscli)
  [ -z "$VGS" ] || invalid_arg volumeGroups
  [ -z "$EXCLUDE_HEX" ] || invalid_arg excludeList
  ;;
*) invalid_arg viosShell ;;
esac
if [ "$VIOS_SHELL" = ioscli ]; then
  # (one ssh session holds backupios for its whole run: the restricted shell cannot detach it)
  [ "$RUN" = foreground ] || invalid_arg run
  ioscli_args_check
  # The host's directory in the export: made here, root's and 750 like any staging directory.
  [ -d "$EXPORT_DIR" ] || finish refused "nfs_export_missing:$EXPORT_DIR"
  [ -e "$STAGING" ] || mkdir -m 750 "$STAGING" 2>/dev/null || finish refused "nfs_export_unwritable:$EXPORT_DIR"
fi
[ "$KEEP" -ge 1 ] || KEEP=1
# The upload's part size (prepare-upload's, whole MiB, at most 5 GiB); 0: no part MD5s.
if ! valid_uint "$PART_SIZE" || [ $((PART_SIZE % 1048576)) -ne 0 ] || [ "$PART_SIZE" -gt 5368709120 ]; then
  invalid_arg partSizeBytes
fi
case $RUN in
foreground | start) ;;
*) invalid_arg run ;;
esac

staging_system_dir "$STAGING" && finish refused "staging_is_system_filesystem:$STAGING"
[ -d "$STAGING" ] || finish refused "staging_missing:$STAGING"
# (preflight checked this too; checked again as root is about to write there)
staging_unsafe "$STAGING"
[ -z "$UNSAFE" ] || finish refused "$UNSAFE"
[ "$STAGING_MODE" = drwxr-x--- ] || chmod 750 "$STAGING" 2>/dev/null

# Describes one finished image with sidecars beside it and key=value lines under prefix $1
# ("" for the mksysb image, "vg.<name>." for a savevg image). Sets DESCRIBED_OK=no when the image
# changed size while it was being read (something else is still writing it).
describe_image() {
  _p=$1
  _img=$2
  _lister=$3
  DESCRIBED_OK=yes
  if [ -z "$_lister" ]; then
    # The relay of an ioscli VIOS has no lsmksysb: said, so verify knows the listing is absent by design.
    kv "${_p}lsmksysb" none
  else
    "$_lister" -lf "$_img" </dev/null >"$_img.lsmksysb" 2>&1
    kv "${_p}lsmksysb_exit" $?
    listing_fields "$_img.lsmksysb"
    kv_opt "${_p}volume_group" "$LISTED_VG"
    kv_opt "${_p}backup_oslevel" "$LISTED_OSLEVEL"
  fi
  if [ -n "$_lister" ] && [ "$_lister" = "$LSMKSYSB" ]; then
    "$_lister" -L -f "$_img" </dev/null >"$_img.filesets" 2>/dev/null || rm -f "$_img.filesets"
  fi
  size_of "$_img"
  _size=$FILE_SIZE
  kv_opt "${_p}size_bytes" "$_size"
  sha256_of "$_img"
  kv "${_p}sha256_tool" "${FILE_SHA256%% *}"
  case $FILE_SHA256 in
  *' '[0-9a-f]*) kv "${_p}sha256" "${FILE_SHA256#* }" ;;
  esac
  # The part MD5s now, while the image is fresh in the page cache: the transfer then sends each part
  # straight from the image instead of copying and hashing it first.
  if [ "$PART_SIZE" -eq 0 ]; then
    kv "${_p}part_md5s" off
  elif _pm_ssl=$(aixcmd openssl) && _pm_count=$(write_part_md5s "$_img" "$PART_SIZE" "$_pm_ssl"); then
    kv "${_p}part_md5s" "$_pm_count"
  else
    kv "${_p}part_md5s" unavailable
  fi
  if [ -n "$RESTORE" ] && [ -n "$GZIP" ]; then
    "$RESTORE" -Tqf "$_img" </dev/null 2>/dev/null | "$GZIP" -c >"$_img.toc.gz"
    _toc=$("$GZIP" -dc "$_img.toc.gz" | grep -c '^[ 0-9]*\./')
    kv "${_p}toc_files" "$_toc"
  else
    kv "${_p}toc_files" unavailable
  fi
  size_of "$_img"
  if [ "$FILE_SIZE" != "$_size" ]; then
    kv "${_p}size_after_bytes" "$FILE_SIZE"
    DESCRIBED_OK=no
  fi
  chmod 640 "$_img" "$_img".* 2>/dev/null
}

# The first VOLUME GROUP: and BACKUP OSLEVEL: values of an lsmksysb -lf listing $1, in LISTED_VG and
# LISTED_OSLEVEL (what sed -n 's/^VOLUME GROUP: *//p' | sed -n 1p gives, read by the shell).
listing_fields() {
  LISTED_VG=
  LISTED_OSLEVEL=
  _lf_vg=
  _lf_os=
  [ -f "$1" ] || return 0
  while IFS= read -r _lf_line || [ -n "$_lf_line" ]; do
    case $_lf_line in
    'VOLUME GROUP:'*) [ -n "$_lf_vg" ] || { _lf_vg=1 && LISTED_VG=${_lf_line#VOLUME GROUP:}; } ;;
    'BACKUP OSLEVEL:'*) [ -n "$_lf_os" ] || { _lf_os=1 && LISTED_OSLEVEL=${_lf_line#BACKUP OSLEVEL:}; } ;;
    esac
  done <"$1"
  LISTED_VG=${LISTED_VG#"${LISTED_VG%%[! ]*}"}
  LISTED_OSLEVEL=${LISTED_OSLEVEL#"${LISTED_OSLEVEL%%[! ]*}"}
}

# The log's protocol lines; sets LOG_VERDICT (read_log).
log_facts() {
  read_log "$2"
  kv "${1}log_verdict" "$LOG_VERDICT"
  kv "${1}log_codes" "$LOG_CODES"
  kv_opt "${1}files_to_back_up" "$LOG_TO_BACK_UP"
  kv_opt "${1}files_backed_up" "$LOG_BACKED_UP"
}

# Removes local images of one kind beyond the newest $KEEP, with their sidecars. The names sort by
# date, so the glob's order is oldest first; the image just made is the newest and always kept.
prune() {
  _prefix=$1
  _count=0
  for _f in "$STAGING/$_prefix"*; do
    case ${_f#"$STAGING/$_prefix"} in
    [12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]) _count=$((_count + 1)) ;;
    esac
  done
  _drop=$((_count - KEEP))
  _pruned=
  for _f in "$STAGING/$_prefix"*; do
    [ "$_drop" -gt 0 ] || break
    case ${_f#"$STAGING/$_prefix"} in
    [12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9])
      rm -f "$_f" "$_f.log" "$_f.lsmksysb" "$_f.filesets" "$_f.toc.gz" "$_f.partmd5" "$_f.viosbr.tar.gz" "$_f.viosbr.log"
      _pruned="$_pruned${_pruned:+,}${_f#"$STAGING/"}"
      _drop=$((_drop - 1))
      ;;
    esac
  done
  PRUNED="$PRUNED${PRUNED:+${_pruned:+,}}$_pruned"
}

# A VIOS's virtual device mappings: viosbr -backup beside the image (<image>.viosbr.tar.gz), its
# size and SHA-256 under viosbr.*; a viosbr that fails or writes nothing makes the run partial (the
# mksysb stays and is uploaded: verify raises VIOSBR_MISSING).
vios_config_backup() {
  status_write viosbr
  _vb="$IMAGE.viosbr"
  rm_present "$_vb.tar.gz"
  unlink_symlinks "$_vb.tar.gz" "$_vb.log"
  "$IOSCLI" viosbr -backup -file "$IOS_IMAGE.viosbr" </dev/null >"$_vb.log" 2>&1
  _vb_rc=$?
  kv viosbr.exit "$_vb_rc"
  if [ "$_vb_rc" -ne 0 ] || [ ! -s "$_vb.tar.gz" ]; then
    kv viosbr.status failed
    STATUS=partial
    REASON="viosbr_failed:exit_$_vb_rc"
    return 0
  fi
  chmod 640 "$_vb.tar.gz" "$_vb.log" 2>/dev/null
  kv viosbr.archive "$_vb.tar.gz"
  size_of "$_vb.tar.gz"
  kv_opt viosbr.size_bytes "$FILE_SIZE"
  sha256_of "$_vb.tar.gz"
  case $FILE_SHA256 in
  *' '[0-9a-f]*) kv viosbr.sha256 "${FILE_SHA256#* }" ;;
  esac
  kv viosbr.status ok
}

# An ioscli VIOS: the VIOS mounts the host's directory of the relay's export at nfsMountPoint
# (`ioscli mount <relay>:<dir> <mount point>`, as padmin may), for backupios and viosbr to write to.
# A mount refused ends the step failed before anything is written.
MOUNTED=
nfs_mount() {
  ioscli_run mount "$NFS_SOURCE" "$NFS_MOUNT_POINT" >"$STAGING/.mksysb-vault.mount.log" 2>&1
  _nm_rc=$?
  finish_if_ssh_failed "$_nm_rc" "$STAGING/.mksysb-vault.mount.log"
  [ "$_nm_rc" -eq 0 ] || finish failed "nfs_mount_failed:exit_${_nm_rc}:$(first_words "$STAGING/.mksysb-vault.mount.log")"
  MOUNTED=yes
  kv nfs_mount "$NFS_SOURCE"
  kv nfs_mount_point "$NFS_MOUNT_POINT"
}

# Unmounts it, whatever happened since (on_exit too): a mount left behind would be reused by nobody
# and refuse the next week's.
nfs_unmount() {
  MOUNTED=
  if ioscli_run unmount "$NFS_MOUNT_POINT" >/dev/null 2>&1; then kv nfs_unmount ok; else kv nfs_unmount failed; fi
}

# Writes the config's exclude list to /etc/exclude.rootvg. The file it replaces is kept as
# /etc/exclude.rootvg.prev (one generation: the list in force before the last change, so an edit by
# hand or an earlier list can be read back); a list that did not change leaves both files alone.
write_exclude_list() {
  _wx_new="$EXCLUDE_FILE.new.$$"
  unlink_symlinks "$_wx_new" "$EXCLUDE_FILE.prev"
  if ! hex_decode "$EXCLUDE_HEX" >"$_wx_new" 2>/dev/null || [ ! -s "$_wx_new" ]; then
    rm -f "$_wx_new"
    finish failed "exclude_list_unwritable:$EXCLUDE_FILE"
  fi
  chmod 644 "$_wx_new"
  if [ -f "$EXCLUDE_FILE" ] && cmp -s "$EXCLUDE_FILE" "$_wx_new"; then
    rm -f "$_wx_new"
    kv exclude_rootvg_previous unchanged
    return 0
  fi
  if [ -f "$EXCLUDE_FILE" ]; then
    cp -p "$EXCLUDE_FILE" "$EXCLUDE_FILE.prev" || finish failed "exclude_list_unwritable:$EXCLUDE_FILE.prev"
    kv exclude_rootvg_previous kept
  else
    kv exclude_rootvg_previous none
  fi
  mv -f "$_wx_new" "$EXCLUDE_FILE" || finish failed "exclude_list_unwritable:$EXCLUDE_FILE"
}

# The backup itself: mksysb, savevg, the sidecars, the prune; ends with finish (exit).
make_backup() {
  if [ "$VIOS_SHELL" = ioscli ]; then
    # On the relay: ioscli over ssh; no lsmksysb, and Linux's restore is not AIX's.
    IOSCLI=ioscli_run
    LSMKSYSB=
    RESTORE=
  else
    if [ -n "$VIOS_SHELL" ]; then
      IOSCLI=$(ioscmd) || finish failed "command_missing:ioscli"
    else
      MKSYSB=$(aixcmd mksysb) || finish failed "command_missing:mksysb"
    fi
    LSMKSYSB=$(aixcmd lsmksysb) || finish failed "command_missing:lsmksysb"
    RESTORE=$(aixcmd restore) || RESTORE=
  fi
  GZIP=$(aixcmd gzip) || GZIP=

  LOCK="$STAGING/.mksysb-vault.lock"
  if ! lock_acquire "$LOCK" "$RUN_STARTED"; then
    kv lock "$LOCK_STATE"
    finish refused "locked_by_pid:${LOCK_STATE#held:}"
  fi
  kv lock "$LOCK_STATE"
  LOCK_HELD=yes
  trap 'on_exit $?' EXIT
  trap 'exit 143' TERM
  if [ "$RUN" = foreground ]; then
    trap 'exit 130' INT
    trap 'exit 129' HUP
  fi

  STATUS=ok
  REASON=
  IMAGE="$STAGING/${HOST}_mksysb_$DATE"
  # The image's name where ioscli writes it: on the VIOS, the export is mounted at nfsMountPoint.
  IOS_IMAGE=$IMAGE
  [ "$VIOS_SHELL" = ioscli ] && IOS_IMAGE="${NFS_MOUNT_POINT%/}/${IMAGE##*/}"
  kv image "$IMAGE"
  # The exclude list: the config's (written, and -e added), else the host's own file when its flags
  # already ask for -e; mksysb -e without a file would fail, so no file means no list.
  EXCLUDE_SOURCE=none
  if [ -n "$EXCLUDE_HEX" ]; then
    write_exclude_list
    EXCLUDE_SOURCE=config
    case $FLAGS in
    *e*) ;;
    *) FLAGS="${FLAGS:+$FLAGS }-e" ;;
    esac
  else
    case $FLAGS in
    *e*) [ -f "$EXCLUDE_FILE" ] && EXCLUDE_SOURCE=host ;;
    esac
  fi
  if [ -f "$EXCLUDE_FILE" ]; then
    kv exclude_rootvg present
  else
    kv exclude_rootvg absent
  fi
  kv exclude_list_source "$EXCLUDE_SOURCE"
  [ "$EXCLUDE_SOURCE" = none ] || exclude_report "$EXCLUDE_FILE"
  # A sidecar left by an earlier run of the same day describes an image about to be replaced.
  rm_present "$IMAGE.partmd5"
  unlink_symlinks "$IMAGE" "$IMAGE.log" "$IMAGE.lsmksysb" "$IMAGE.filesets" "$IMAGE.toc.gz"
  status_write mksysb
  [ "$VIOS_SHELL" = ioscli ] && nfs_mount
  if [ -n "$VIOS_SHELL" ]; then
    "$IOSCLI" backupios -file "$IOS_IMAGE" -mksysb </dev/null >"$IMAGE.log" 2>&1
  else
    # shellcheck disable=SC2086 # FLAGS is a validated list of single-letter options, split on purpose
    "$MKSYSB" -i $FLAGS "$IMAGE" </dev/null >"$IMAGE.log" 2>&1
  fi
  rc=$?
  kv exit "$rc"
  log_facts '' "$IMAGE.log"
  verdict=$LOG_VERDICT
  if [ "$rc" -eq 255 ] && [ "$VIOS_SHELL" = ioscli ]; then
    # The one session backupios ran in was lost: the run cannot know how it ended.
    STATUS=failed
    REASON="ioscli_session_lost:$(ssh_failure_reason "$IMAGE.log")"
  elif [ "$rc" -ne 0 ] || [ ! -f "$IMAGE" ]; then
    STATUS=failed
    REASON="mksysb_exit_$rc"
    [ -f "$IMAGE" ] && size_of "$IMAGE" && kv size_bytes "$FILE_SIZE"
    chmod 640 "$IMAGE" "$IMAGE".* 2>/dev/null
  elif [ "$verdict" = failed ] || [ "$verdict" = unknown ]; then
    STATUS=failed
    REASON="mksysb_log_$verdict"
    describe_image '' "$IMAGE" "$LSMKSYSB"
  else
    status_write describe
    describe_image '' "$IMAGE" "$LSMKSYSB"
    if [ "$DESCRIBED_OK" = no ]; then
      STATUS=failed
      REASON=image_size_changed
    fi
  fi

  SAVEVG_FAILED=
  if [ "$STATUS" = ok ] && [ -n "$VGS" ]; then
    SAVEVG=$(aixcmd savevg) || finish failed "command_missing:savevg"
    LSSAVEVG=$(aixcmd lssavevg) || LSSAVEVG=$LSMKSYSB
    for vg in $VG_WORDS; do
      [ "$vg" = rootvg ] && continue
      vimg="$STAGING/${HOST}_savevg_${vg}_$DATE"
      status_write "savevg.$vg"
      kv "vg.$vg.image" "$vimg"
      rm_present "$vimg.partmd5"
      unlink_symlinks "$vimg" "$vimg.log" "$vimg.lsmksysb" "$vimg.filesets" "$vimg.toc.gz"
      "$SAVEVG" -i -f "$vimg" "$vg" </dev/null >"$vimg.log" 2>&1
      vrc=$?
      kv "vg.$vg.exit" "$vrc"
      log_facts "vg.$vg." "$vimg.log"
      vverdict=$LOG_VERDICT
      if [ "$vrc" -ne 0 ] || [ ! -f "$vimg" ] || [ "$vverdict" = failed ] || [ "$vverdict" = unknown ]; then
        SAVEVG_FAILED="$SAVEVG_FAILED${SAVEVG_FAILED:+,}$vg"
        kv "vg.$vg.status" failed
        chmod 640 "$vimg" "$vimg".* 2>/dev/null
        continue
      fi
      describe_image "vg.$vg." "$vimg" "$LSSAVEVG"
      if [ "$DESCRIBED_OK" = no ]; then
        SAVEVG_FAILED="$SAVEVG_FAILED${SAVEVG_FAILED:+,}$vg"
        kv "vg.$vg.status" failed
      else
        kv "vg.$vg.status" ok
      fi
    done
  fi
  if [ -n "$SAVEVG_FAILED" ]; then
    STATUS=partial
    REASON="savevg_failed:$SAVEVG_FAILED"
  fi
  [ "$STATUS" = ok ] && [ -n "$VIOS_SHELL" ] && vios_config_backup
  [ "$MOUNTED" = yes ] && nfs_unmount

  # Prune only after a good rootvg image: a failed run must never cost the last good local copy.
  PRUNED=
  status_write prune
  if [ "$STATUS" != failed ]; then
    prune "${HOST}_mksysb_"
    if [ -n "$VGS" ]; then
      for vg in $VG_WORDS; do
        case ",$SAVEVG_FAILED," in
        *",$vg,"*) continue ;;
        esac
        prune "${HOST}_savevg_${vg}_"
      done
    fi
  fi
  kv pruned "$PRUNED"
  finish "$STATUS" "$REASON"
}

# --- detached runs (run=start) -------------------------------------------------------------------
# The relay's ssh session lives as long as the link and the relay do; mksysb can take hours. So the
# backup runs detached from it: a background subshell that ignores SIGHUP (what nohup does; ignored
# signals stay ignored across exec, so mksysb and savevg ignore it too) with all three descriptors on
# files in the staging directory (a closed session's pipes can then never end it with SIGPIPE). AIX
# has no setsid(1) and job control (set -m) needs a terminal, so it cannot have a session of its
# own; nohup(1) itself runs a command, not a function of a script read from ssh's stdin, hence the
# trap. The ssh call returns at once; the relay polls the status file:
#   <staging>/.mksysb-vault.backup.status  pid=, date=, phase= (started, mksysb, describe,
#                                          savevg.<vg>, prune, done), started=, updated=, exit= (done)
#   <staging>/.mksysb-vault.backup.out     the step's protocol lines (.err: its stderr)
# A run=start that finds a live run of the same date attaches to it, one that finds a finished run of
# the same date not yet collected (the relay renames the status file to .collected once it has the
# output) hands it over, and one that finds a run whose pid is dead says so (previous_run=stale:…)
# and starts afresh (the lock left behind is taken over as usual).
STATUS_FILE="$STAGING/.mksysb-vault.backup.status"
RUN_OUT="$STAGING/.mksysb-vault.backup.out"
RUN_ERR="$STAGING/.mksysb-vault.backup.err"
MV_PID=
LOCK_HELD=

# Writes the status file of a detached run (a no-op in the foreground), atomically; $3: write this
# file instead. The started phase is updated at RUN_STARTED.
status_write() {
  [ "$RUN" = start ] || return 0
  _sw_to=${3:-$STATUS_FILE.tmp}
  _sw_at=$RUN_STARTED
  [ "$1" = started ] || _sw_at=$(now_utc)
  {
    printf 'pid=%s\ndate=%s\nphase=%s\nstarted=%s\nupdated=%s\n' "$MV_PID" "$DATE" "$1" "$RUN_STARTED" "$_sw_at"
    if [ -n "${2:-}" ]; then printf 'exit=%s\n' "$2"; fi
  } >"$_sw_to" || return 1
  [ -n "${3:-}" ] || mv -f "$_sw_to" "$STATUS_FILE"
}

on_exit() {
  [ "$MOUNTED" = yes ] && nfs_unmount >&2
  [ "$LOCK_HELD" = yes ] && rm -rf "$LOCK"
  status_write 'done' "$1"
}

if [ "$RUN" = foreground ]; then
  make_backup
fi

if [ -f "$STATUS_FILE" ]; then
  # (the first pid=, date= and phase= lines, read by the shell)
  old_pid=
  old_date=
  old_phase=
  old_p=
  old_d=
  old_h=
  while IFS= read -r old_line || [ -n "$old_line" ]; do
    case $old_line in
    pid=*) [ -n "$old_p" ] || old_pid=${old_line#pid=} old_p=1 ;;
    date=*) [ -n "$old_d" ] || old_date=${old_line#date=} old_d=1 ;;
    phase=*) [ -n "$old_h" ] || old_phase=${old_line#phase=} old_h=1 ;;
    esac
  done <"$STATUS_FILE"
  if [ "$old_phase" = 'done' ]; then
    if [ "$old_date" = "$DATE" ]; then
      kv detached finished
      kv detached_pid "$old_pid"
      exit 0
    fi
    kv previous_run "uncollected:date_$old_date"
  elif valid_uint "$old_pid" && kill -0 "$old_pid" 2>/dev/null; then
    if [ "$old_date" = "$DATE" ]; then
      kv detached attached
      kv detached_pid "$old_pid"
      kv detached_phase "$old_phase"
      exit 0
    fi
    finish refused "backup_running:pid_${old_pid}_date_$old_date"
  else
    kv previous_run "stale:pid_${old_pid:-none}_dead_phase_${old_phase:-none}"
  fi
fi
rm_present "$STATUS_FILE" "$STATUS_FILE.tmp" "$RUN_OUT" "$RUN_ERR"
(
  trap '' HUP INT
  # This subshell's own pid ($$ is still the parent's here): the parent of a command it runs.
  MV_PID=$(sh -c 'echo "$PPID"')
  # (the same status as the parent's first below, when that is not there yet)
  [ -f "$STATUS_FILE" ] || status_write started
  trap 'on_exit $?' EXIT
  kv mksysb-vault.step backup
  kv started "$RUN_STARTED"
  make_backup
) </dev/null >"$RUN_OUT" 2>"$RUN_ERR" &
MV_PID=$!
# The same first status, unless the run wrote its own already: ln never replaces a file, so this
# can never step back a status the run has moved on.
status_write started "" "$STATUS_FILE.first.$$"
ln "$STATUS_FILE.first.$$" "$STATUS_FILE" 2>/dev/null
rm -f "$STATUS_FILE.first.$$"
kv detached started
kv detached_pid "$MV_PID"
exit 0
