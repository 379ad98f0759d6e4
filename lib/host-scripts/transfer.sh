#!/bin/sh
# mksysb-vault transfer: uploads one image to S3 through presigned multipart URLs. Runs on the relay
# (reading each part from the LPAR with dd over ssh; an ioscli VIOS's image from the relay's own
# disk) or, in direct mode, on the LPAR itself. Reads
# the manifest (lambdas/core/upload-manifest.ts), PUTs each part with curl --fail and
# Content-MD5, several in flight, each retried with back-off on its own; PUTs the sidecars and
# the transfer-report (part=<n> etag=<etag> md5=<hex>); prints a compact summary
# (docs/host-protocol.md). limitRate caps each stream (curl --limit-rate), to leave room on a shared
# link; it is empty (no cap) by default. When backup left the part MD5s beside the image
# (<image>.partmd5, see part-md5.sh) and they fit the manifest, each part is streamed from the image
# into curl with no temp copy and no hashing here; otherwise each part is copied and hashed first.
# shellcheck shell=sh disable=SC2317 # helpers of its pieces a step does not call look unreachable
. ./protocol.sh
. ./validate.sh
. ./aix.sh
. ./part-md5.sh
. ./ssh.sh

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

kv mksysb-vault.step transfer
kv started "$(now_utc)"

MODE=relay
HOST=
SSH_ADDRESS=
SSH_USER=
SSH_KEY=
SSH_KNOWN_HOSTS=
SSH_CONNECT_TIMEOUT=15
VIOS_SHELL=
IMAGE=
MANIFEST_URL=
PARALLEL=4
RETRIES=5
DELAY=2
LIMIT_RATE=
for arg in "$@"; do
  case $arg in
  mode=*) MODE=${arg#mode=} ;;
  host=*) HOST=${arg#host=} ;;
  address=*) SSH_ADDRESS=${arg#address=} ;;
  sshUser=*) SSH_USER=${arg#sshUser=} ;;
  sshKeyPath=*) SSH_KEY=${arg#sshKeyPath=} ;;
  knownHostsPath=*) SSH_KNOWN_HOSTS=${arg#knownHostsPath=} ;;
  connectTimeout=*) SSH_CONNECT_TIMEOUT=${arg#connectTimeout=} ;;
  viosShell=*) VIOS_SHELL=${arg#viosShell=} ;;
  imagePath=*) IMAGE=${arg#imagePath=} ;;
  manifestUrl=*) MANIFEST_URL=${arg#manifestUrl=} ;;
  parallelParts=*) PARALLEL=${arg#parallelParts=} ;;
  partRetries=*) RETRIES=${arg#partRetries=} ;;
  retryDelaySeconds=*) DELAY=${arg#retryDelaySeconds=} ;;
  limitRate=*) LIMIT_RATE=${arg#limitRate=} ;;
  *) invalid_arg unknown_argument ;;
  esac
done
case $MODE in
relay | direct) ;;
*) invalid_arg mode ;;
esac
valid_name "$HOST" || invalid_arg host
valid_path "$IMAGE" || invalid_arg imagePath
valid_url "$MANIFEST_URL" || invalid_arg manifestUrl
if ! valid_uint "$PARALLEL" || [ "$PARALLEL" -lt 1 ] || [ "$PARALLEL" -gt 64 ]; then invalid_arg parallelParts; fi
if ! valid_uint "$RETRIES" || [ "$RETRIES" -lt 1 ] || [ "$RETRIES" -gt 20 ]; then invalid_arg partRetries; fi
valid_uint "$DELAY" || invalid_arg retryDelaySeconds
valid_uint "$SSH_CONNECT_TIMEOUT" || invalid_arg connectTimeout
case $LIMIT_RATE in
'' | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9]) ;;
[1-9][KkMmGg] | [1-9][0-9][KkMmGg] | [1-9][0-9][0-9][KkMmGg] | [1-9][0-9][0-9][0-9][KkMmGg]) ;;
*) invalid_arg limitRate ;;
esac
if [ "$MODE" = relay ]; then
  valid_address "$SSH_ADDRESS" || invalid_arg address
  [ -z "$SSH_USER" ] || valid_user "$SSH_USER" || invalid_arg sshUser
  [ -z "$SSH_KEY" ] || valid_path "$SSH_KEY" || invalid_arg sshKeyPath
  [ -z "$SSH_KNOWN_HOSTS" ] || valid_path "$SSH_KNOWN_HOSTS" || invalid_arg knownHostsPath
  valid_vios_shell "$VIOS_SHELL" || invalid_arg viosShell
  # An ioscli VIOS's image is on the relay's own disk (its NFS export, where backupios wrote it):
  # read here, as in direct mode.
  [ "$VIOS_SHELL" = ioscli ] && MODE=direct
fi
kv image "$IMAGE"
command -v curl >/dev/null 2>&1 || finish failed "command_missing:curl"
OPENSSL=$(aixcmd openssl) || OPENSSL=$(command -v openssl) || finish failed "command_missing:openssl"
epoch_now
T0=$EPOCH_NOW

WORK="${TMPDIR:-/tmp}/mksysb-vault-transfer.$$"
# (sc/: the sidecars from the host, kept apart from the transfer's own files)
mkdir -m 700 "$WORK" "$WORK/sc" 2>/dev/null || finish failed "workdir_unavailable:$WORK"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Runs a command on the image's host: over ssh in relay mode, here in direct mode. The command is
# built only from validated paths and numbers. Its stdin is /dev/null: ssh forwards whatever stdin
# it has, and a worker's stdin is its list of parts.
on_host() {
  if [ "$MODE" = relay ]; then
    host_run "$SSH_ADDRESS" "$1" </dev/null
  else
    sh -c "$1" </dev/null
  fi
}

quote_word "$IMAGE"
q_image=$QUOTED
CR=$(printf '\r')
# A connection that stalls (under 1 KiB/s for two minutes) is given up and the part retried, rather
# than holding the transfer until SSM's timeout.
CURL_STALL='--speed-limit 1024 --speed-time 120'
CURL_RATE=
[ -n "$LIMIT_RATE" ] && CURL_RATE="--limit-rate $LIMIT_RATE"

# shellcheck disable=SC2086 # CURL_STALL is four words
if ! curl --fail -sS --retry 3 --connect-timeout 30 $CURL_STALL -o "$WORK/manifest" "$MANIFEST_URL" 2>"$WORK/curl.err"; then
  finish failed "manifest_download_failed:$(tr -c 'A-Za-z0-9._:() -' '_' <"$WORK/curl.err" | cut -c1-160)"
fi
# One pass over the manifest (plain text, one part a line, see upload-manifest.ts) writes its part
# lines to parts and its sidecar lines to sidecars, and prints what the checks below need: the first
# line's verdict, size, partSize, the part count, the first part and sidecar whose URL goes elsewhere
# ("-" for none) and the key (blanked when it holds a character no key has; the words are plain).
# A part line has a fifth field when S3 holds that part already (a resumed upload): md5etag=<hex> or
# etag=<hex>; "-" stands in for it otherwise. A sidecar line's fourth field is the condition its URL
# was signed with (if-none-match=* or if-match=<etag>): the PUT must send it, and S3 refuses a replay
# once the object has changed. Every URL must go where the manifest came from (same scheme, host,
# port and bucket) and be for this image: a part URL for its key, a sidecar URL beside it or in
# uploads/. A tampered manifest cannot send the image's bytes anywhere else.
STORE=${MANIFEST_URL%%/uploads/*}
awk -v store="$STORE" -v parts="$WORK/parts" -v sidecars="$WORK/sidecars" '
  BEGIN { printf "" >parts; printf "" >sidecars }
  NR == 1 { ok = ($0 == "# mksysb-vault upload manifest v1") }
  NR == 2 {
    if (match($0, /^# key=[^ ]* /)) key = substr($0, 7, RLENGTH - 7)
    if (key ~ /[^A-Za-z0-9._\/-]/) key = ""
    if (match($0, /^# key=[^ ]* size=[0-9]+ /)) { size = substr($0, 1, RLENGTH - 1); sub(/.* size=/, "", size) }
    if (match($0, /^# key=[^ ]* size=[0-9]* parts=[0-9]* partSize=[0-9]+ /)) {
      ps = substr($0, 1, RLENGTH - 1); sub(/.*partSize=/, "", ps)
    }
  }
  $1 ~ /^[0-9]+$/ && (NF == 4 || (NF == 5 && $5 ~ /^(md5etag|etag)=[0-9a-f]+$/)) {
    print $1, $2, $3, $4, (NF == 5 ? $5 : "-") >parts
    n++
    if (pe == "" && index($4, store "/" key "?") != 1) pe = "part_" $1
  }
  $1 == "sidecar" && (NF == 3 || NF == 4) {
    print $2, $3, (NF == 4 ? $4 : "-") >sidecars
    if (se == "" && index($3, store "/" key ".") != 1 && index($3, store "/uploads/") != 1) se = "sidecar_" $2
  }
  END { print ok + 0, (size == "" ? "-" : size), (ps == "" ? "-" : ps), n + 0, (pe == "" ? "-" : pe), (se == "" ? "-" : se), key }
' "$WORK/manifest" >"$WORK/manifest.sum"
read -r line1_ok SIZE PART_SIZE PARTS part_elsewhere sidecar_elsewhere KEY <"$WORK/manifest.sum"
[ "$line1_ok" = 1 ] || finish failed manifest_unreadable
if ! valid_uint "$SIZE" || ! valid_uint "$PART_SIZE"; then finish failed manifest_header_unreadable; fi
[ "$PARTS" -ge 1 ] || finish failed manifest_has_no_parts
case $KEY in '' | *[!A-Za-z0-9._/-]* | *..*) finish failed manifest_header_unreadable ;; esac
[ "$STORE" != "$MANIFEST_URL" ] || finish failed manifest_url_unexpected
[ "$part_elsewhere" = - ] || finish failed "manifest_url_elsewhere:$part_elsewhere"
[ "$sidecar_elsewhere" = - ] || finish failed "manifest_url_elsewhere:$sidecar_elsewhere"
kv parts_total "$PARTS"

# The image must be the size the upload was planned for: a size that moved means something is
# still writing it, and its parts would not add up. The same call reads the part MD5s backup wrote
# beside the image, after the listing's line: one ssh for both.
on_host "ls -ln $q_image && cat $q_image.partmd5 2>/dev/null" >"$WORK/image.out" 2>"$WORK/ssh.err"
rc=$?
if [ "$rc" -eq 255 ] && [ "$MODE" = relay ]; then
  cat "$WORK/ssh.err" >&2
  finish "$(ssh_failure_kind "$WORK/ssh.err")" "ssh:$(ssh_failure_reason "$WORK/ssh.err")"
fi
# The part MD5s count only when they were read and describe this very cut of this image: same size,
# same part size, one well-formed line per part. Each manifest line then gets "<md5 hex> <md5
# base64>" ("- -" without them), in parts.md5. They are also the backup's word for what each part
# holds: when S3 refuses one (400 BadDigest) the part is read and hashed, and if its bytes are not
# the ones the backup described (the image rewritten at the same size after backup) the part fails
# as image_changed_since_backup: the transfer never uploads bytes the backup did not describe.
# Prints where the MD5s come from and the image's size (field 5 of the listing).
awk -v hdr="$PART_MD5_HEADER size=$SIZE partSize=$PART_SIZE parts=$PARTS" -v parts="$PARTS" \
  -v ps="$PART_SIZE" -v read_rc="$rc" -v out="$WORK/parts.md5" '
  FILENAME != ARGV[2] {
    if (FNR == 1) size = $5
    else if (FNR == 2) { if ($0 != hdr) bad = 1 }
    else if (NF == 3 && $1 == FNR - 2 && $2 ~ /^[0-9a-f]+$/ && length($2) == 32 && $3 ~ /^[A-Za-z0-9+\/]+==$/ &&
      length($3) == 24) { m[$1] = $2 " " $3; n++ }
    else bad = 1
    next
  }
  FNR == 1 { use = (read_rc == 0 && !bad && n == parts) }
  { print $0, (use && ($1 in m) && $2 == ($1 - 1) * ps ? m[$1] : "- -") >out }
  END { print (use ? "sidecar" : "computed"), size }' "$WORK/image.out" "$WORK/parts" >"$WORK/image.sum"
read -r MD5_SOURCE actual <"$WORK/image.sum"
[ -n "$actual" ] || finish failed "image_missing:$IMAGE"
[ "$actual" = "$SIZE" ] || finish failed "size_mismatch:manifest_${SIZE}_image_$actual"
kv bytes_total "$SIZE"
kv md5_source "$MD5_SOURCE"

# Reads part <n> (offset, length) into $WORK/p.<n> and hashes it: $WORK/p.<n>.md5 holds
# "1 <md5 hex> <md5 base64>" (the report's form and Content-MD5's). On failure the reason is in
# $WORK/p.<n>.why.
read_part() {
  _rp_file="$WORK/p.$1"
  on_host "dd if=$q_image bs=1048576 skip=$(($2 / 1048576)) count=$((($3 + 1048575) / 1048576)) 2>/dev/null" \
    >"$_rp_file" 2>"$_rp_file.err"
  _rp_rc=$?
  size_of "$_rp_file"
  _rp_got=$FILE_SIZE
  if [ "$_rp_rc" -ne 0 ]; then
    echo "read_exit_$_rp_rc" >"$_rp_file.why"
    return 1
  fi
  if [ "$_rp_got" != "$3" ]; then
    echo "short_read_${_rp_got}_of_$3" >"$_rp_file.why"
    return 1
  fi
  if ! "$OPENSSL" dgst -md5 <"$_rp_file" | awk "$PART_MD5_AWK" >"$_rp_file.md5"; then
    echo md5_failed >"$_rp_file.why"
    return 1
  fi
}

# dd says "<full>+<partial> records in": with bs=1 MiB a whole part is exactly that many. True when
# dd's messages $1 hold the line "$2 records in"; sets _dd_in to the last such line's "<full>_<partial>"
# (empty without one), to say what came instead.
dd_read_whole() {
  _dd_in=
  _dd_whole=1
  while IFS= read -r _dd_l || [ -n "$_dd_l" ]; do
    [ "$_dd_l" = "$2 records in" ] && _dd_whole=0
    _dd_r=${_dd_l% records in}
    case $_dd_r in
    "$_dd_l" | *[!0-9+]* | *+*+*) ;;
    *+*) _dd_in="${_dd_r%%+*}_${_dd_r#*+}" ;;
    esac
  done <"$1"
  return $_dd_whole
}

# The ETag of a PUT's response headers $1 (the last ETag line's value, without its quotes and
# carriage returns), in _etag; empty without one.
etag_of() {
  _etag=
  while IFS= read -r _eo_l || [ -n "$_eo_l" ]; do
    case $_eo_l in
    [Ee][Tt][Aa][Gg]:*) _eo_v=${_eo_l#?????} ;;
    *) continue ;;
    esac
    _eo_v=${_eo_v#"${_eo_v%%[! ]*}"}
    _eo_v=${_eo_v#"${_eo_v%%[!\"]*}"}
    _eo_v=${_eo_v%%\"*}
    while :; do
      case $_eo_v in
      *"$CR"*) _eo_v=${_eo_v%%"$CR"*}${_eo_v#*"$CR"} ;;
      *) break ;;
      esac
    done
    _etag=$_eo_v
  done <"$1"
}

# One attempt at part $1 (offset $2, length $3, MD5 base64 $4, URL $5) streamed straight from the
# image: dd writes it into a FIFO that curl sends with the part's length as Content-Length (from a
# pipe curl would send it chunked, which S3 refuses on presigned PUTs). No temp copy, no hashing: S3
# checks the bytes against Content-MD5. A read that fails or comes up short kills curl at once, rather
# than leave it waiting for bytes that never come. Sets _rc (curl's exit status) and _code (HTTP
# status); after a kill, $WORK/p.<n>.why says what went wrong with the read. Each attempt ($6) has a
# FIFO of its own, so that a reader an earlier attempt left behind cannot feed this one.
put_streamed() {
  _ps_f="$WORK/p.$1"
  _ps_fifo="$_ps_f.fifo.$6"
  : >"$_ps_f.why"
  if ! mkfifo "$_ps_fifo" 2>/dev/null; then
    echo fifo_failed >"$_ps_f.why"
    _rc=255
    _code=
    return
  fi
  # shellcheck disable=SC2086 # CURL_RATE is empty or two words, CURL_STALL four
  curl --fail -sS -X PUT --upload-file "$_ps_fifo" -H "Content-Length: $3" -H 'Transfer-Encoding:' \
    -H "Content-MD5: $4" $CURL_RATE --connect-timeout 30 $CURL_STALL -D "$_ps_f.hdr" -o /dev/null \
    -w '%{http_code}' "$5" >"$_ps_f.code" 2>"$_ps_f.err" &
  _ps_curl=$!
  (
    on_host "dd if=$q_image bs=1048576 skip=$(($2 / 1048576)) count=$((($3 + 1048575) / 1048576))" \
      >"$_ps_fifo" 2>"$_ps_f.dd"
    _ps_rc=$?
    _ps_partial=0
    [ $(($3 % 1048576)) -gt 0 ] && _ps_partial=1
    if [ "$_ps_rc" -ne 0 ]; then
      echo "read_exit_$_ps_rc" >"$_ps_f.why"
    elif ! dd_read_whole "$_ps_f.dd" "$(($3 / 1048576))+$_ps_partial"; then
      echo "short_read_records_${_dd_in}_of_$(($3 / 1048576))_$_ps_partial" >"$_ps_f.why"
    else
      exit 0
    fi
    kill "$_ps_curl" 2>/dev/null
  ) &
  _ps_reader=$!
  wait "$_ps_curl"
  _rc=$?
  _code=
  read -r _code 2>/dev/null <"$_ps_f.code"
  # A curl that failed before opening the FIFO leaves the reader blocked opening it: end it.
  [ "$_rc" -ne 0 ] && kill "$_ps_reader" 2>/dev/null
  wait "$_ps_reader"
}

# One part: PUT it until it is accepted or the attempts run out, waiting DELAY, 2*DELAY, 4*DELAY…
# between attempts. $5 says where its bytes come from: stream (straight from the image, with the
# MD5s $6 hex and $7 base64 from the sidecar), yes (the worker has read and hashed it into a temp
# file) or no (read and hash it first); a part is read again only if reading it failed. A part whose
# sidecar MD5 S3 refuses (400) is read and hashed on its next attempt, and sent only if its MD5 is
# still the sidecar's (it was damaged on the way); else it fails at once, image_changed_since_backup.
# Leaves "ok <etag> <md5hex> <attempts>" or "failed <reason> <attempts>" in $WORK/r.<n>.
do_part() {
  _n=$1
  _off=$2
  _len=$3
  _url=$4
  _have=$5
  _file="$WORK/p.$_n"
  _try=1
  _wait=$DELAY
  _reason=
  _described=
  [ "$_have" = stream ] && _described=$6
  while [ "$_try" -le "$RETRIES" ]; do
    _put=no
    if [ "$_have" = stream ]; then
      _hex=$6
      put_streamed "$_n" "$_off" "$_len" "$7" "$_url" "$_try"
      _put=yes
    else
      if [ "$_have" = no ]; then
        if read_part "$_n" "$_off" "$_len"; then _have=yes; else _reason=$(cat "$_file.why"); fi
      fi
      if [ "$_have" = yes ]; then
        read -r _md5_n _hex _b64 <"$_file.md5"
        if [ -n "$_described" ] && [ "$_hex" != "$_described" ]; then
          printf 'failed %s %s\n' image_changed_since_backup "$_try" >"$WORK/r.$_n"
          rm -f "$_file" "$_file".*
          return 1
        fi
        # shellcheck disable=SC2086 # CURL_RATE is empty or two words, CURL_STALL four
        _code=$(curl --fail -sS -X PUT --upload-file "$_file" -H "Content-MD5: $_b64" $CURL_RATE \
          --connect-timeout 30 $CURL_STALL -D "$_file.hdr" -o /dev/null -w '%{http_code}' "$_url" 2>"$_file.err")
        _rc=$?
        _put=yes
      fi
    fi
    if [ "$_put" = yes ]; then
      if [ "$_rc" -eq 0 ]; then
        etag_of "$_file.hdr"
        if [ -n "$_etag" ]; then
          printf 'ok %s %s %s\n' "$_etag" "$_hex" "$_try" >"$WORK/r.$_n"
          rm -f "$_file" "$_file".*
          return 0
        fi
        _reason=no_etag
      elif [ "$_have" = stream ] && [ "$_rc" -gt 128 ] && [ -s "$_file.why" ]; then
        # curl was killed because the read failed (curl itself never dies of a signal here).
        _reason=$(cat "$_file.why")
      elif [ -n "$_code" ] && [ "$_code" != 000 ]; then
        _reason="http_$_code"
        [ "$_have" = stream ] && [ "$_code" = 400 ] && _have=no
      else
        _reason="curl_exit_$_rc"
      fi
    fi
    [ "$_try" -lt "$RETRIES" ] && sleep "$_wait"
    _wait=$((_wait * 2))
    _try=$((_try + 1))
  done
  printf 'failed %s %s\n' "$_reason" "$RETRIES" >"$WORK/r.$_n"
  rm -f "$_file" "$_file".*
  return 1
}

# A part S3 holds already (field $4: md5etag=<hex> or etag=<hex>) counts as sent, with no PUT, when
# its MD5 on the host is known ($5: from the backup's sidecar, else read and hashed here) and, for an
# md5etag, equal to the ETag; otherwise it is sent again. Leaves "ok <etag> <md5hex> 0" in r.<n>.
part_held() {
  _ph_etag=${4#*=}
  _ph_md5=$5
  if [ "$_ph_md5" = - ]; then
    read_part "$1" "$2" "$3" || return 1
    read -r _md5_n _ph_md5 _md5_b64 <"$WORK/p.$1.md5"
    rm -f "$WORK/p.$1" "$WORK/p.$1".*
  fi
  case $4 in
  md5etag=*) [ "$_ph_md5" = "$_ph_etag" ] || return 1 ;;
  esac
  printf 'ok %s %s 0\n' "$_ph_etag" "$_ph_md5" >"$WORK/r.$1"
}

# PARALLEL workers (no more than there are parts) share the parts: each goes down the list and takes
# the next part nobody has claimed (mkdir is atomic; a claim already there is passed over without
# one), so a worker held up by a part's retries does not hold up the parts behind it: at most
# PARALLEL PUTs in flight. A part with a sidecar MD5 is streamed from the image.
# Otherwise a worker reads and hashes its next part while its current part is still uploading, so
# the read (ssh from the LPAR) and the upload (to S3) overlap, with at most 2 × PARALLEL parts in
# the temp dir.
w=0
while [ "$w" -lt "$PARALLEL" ] && [ "$w" -lt "$PARTS" ]; do
  (
    putting=
    while read -r n off len url held hex b64; do
      [ -d "$WORK/claim.$n" ] && continue
      mkdir "$WORK/claim.$n" 2>/dev/null || continue
      if [ "$held" != - ] && part_held "$n" "$off" "$len" "$held" "$hex"; then continue; fi
      if [ "$b64" != - ]; then
        [ -n "$putting" ] && wait "$putting"
        putting=
        do_part "$n" "$off" "$len" "$url" stream "$hex" "$b64"
        continue
      fi
      if read_part "$n" "$off" "$len"; then ready=yes; else ready=no; fi
      [ -n "$putting" ] && wait "$putting"
      do_part "$n" "$off" "$len" "$url" "$ready" &
      putting=$!
    done <"$WORK/parts.md5"
    wait
  ) &
  w=$((w + 1))
done
wait

OK=0
FAILED=0
BYTES=0
RETRIED=0
RESUMED=0
FAILED_LIST=
: >"$WORK/transfer-report"
while read -r n off len url; do
  result=
  read -r result 2>/dev/null <"$WORK/r.$n"
  # shellcheck disable=SC2086 # the result line is "ok <etag> <md5> <tries>" or "failed <reason> <tries>"
  set -- $result
  if [ "${1:-}" = ok ]; then
    OK=$((OK + 1))
    BYTES=$((BYTES + len))
    if [ "$4" -eq 0 ]; then RESUMED=$((RESUMED + 1)); else RETRIED=$((RETRIED + $4 - 1)); fi
    printf 'part=%s etag=%s md5=%s\n' "$n" "$2" "$3" >>"$WORK/transfer-report"
  else
    FAILED=$((FAILED + 1))
    # The list stays short whatever the number of parts: the SSM output is capped at 24,000 chars.
    [ "$FAILED" -le 20 ] && FAILED_LIST="$FAILED_LIST${FAILED_LIST:+,}$n:${2:-no_result}"
  fi
done <"$WORK/parts"
[ "$FAILED" -gt 20 ] && FAILED_LIST="$FAILED_LIST,+$((FAILED - 20))_more"
kv parts_ok "$OK"
kv parts_failed "$FAILED"
kv part_retries "$RETRIED"
kv parts_resumed "$RESUMED"
kv bytes "$BYTES"
[ -n "$FAILED_LIST" ] && kv failed_parts "$FAILED_LIST"

# The sidecars the manifest names come from the host in one call: it tars those it has beside the
# image (tested there with [ -f ]; -h reads through a link, as cat did), the relay unpacks them into
# sc/. A call or an unpacking that fails gives none of them (a cut-off stream could leave a short
# file): each counts as missing, as a failed read of one did. Only a plain file is taken from the
# stream (a link in it could name a file of the relay's own).
SC_OK=
SC_MISSING=
SC_FAILED=
REPORT_URL=
REPORT_COND=
SC_FILES=
: >"$WORK/wanted"
while read -r name url cond; do
  case $name in
  transfer-report)
    REPORT_URL=$url
    REPORT_COND=$cond
    continue
    ;;
  log) suffix=.log ;;
  lsmksysb) suffix=.lsmksysb ;;
  filesets) suffix=.filesets ;;
  toc) suffix=.toc.gz ;;
  viosbr) suffix=.viosbr.tar.gz ;;
  *) continue ;;
  esac
  printf '%s %s %s %s\n' "$name" "${IMAGE##*/}$suffix" "$url" "$cond" >>"$WORK/wanted"
  # (a valid_path name needs no quotes; ./ keeps one starting with - from reading as an option)
  SC_FILES="$SC_FILES ./${IMAGE##*/}$suffix"
done <"$WORK/sidecars"
quote_word "${IMAGE%/*}/"
got=no
if [ -n "$SC_FILES" ] &&
  on_host "cd $QUOTED || exit; f=; for n in$SC_FILES; do [ -f \$n ] && f=\"\$f \$n\"; done; [ -z \"\$f\" ] || tar -chf - \$f" \
    >"$WORK/sc.tar" 2>/dev/null; then
  got=yes
  [ -s "$WORK/sc.tar" ] && ! (cd "$WORK/sc" && exec tar -xf ../sc.tar) >/dev/null 2>&1 && got=no
fi
# One openssl hashes the sidecars obtained and the report; fetched lists what is to go up.
set -- "$WORK/transfer-report"
: >"$WORK/fetched"
while read -r name file url cond; do
  if [ "$got" = yes ] && [ -f "$WORK/sc/$file" ] && [ ! -h "$WORK/sc/$file" ]; then
    printf '%s %s %s %s\n' "$name" "$WORK/sc/$file" "$url" "$cond" >>"$WORK/fetched"
    set -- "$@" "$WORK/sc/$file"
  else
    SC_MISSING="$SC_MISSING${SC_MISSING:+,}$name"
  fi
done <"$WORK/wanted"
[ -n "$REPORT_URL" ] &&
  printf 'transfer-report %s %s %s\n' "$WORK/transfer-report" "$REPORT_URL" "$REPORT_COND" >>"$WORK/fetched"
"$OPENSSL" dgst -md5 "$@" 2>/dev/null | awk -v files=1 "$PART_MD5_AWK"

# One round: one curl PUTs every file of fetched not yet accepted (put.<line>.ok), each with its
# Content-MD5 like every part (S3 refuses a PUT without one, or an x-amz-checksum-*, into a bucket
# under Object Lock, and checks the bytes) and the condition its URL was signed with: a PUT refused
# 412 (the object changed since prepare-upload looked) fails like any other. --next between them,
# no --fail-early: every one is tried and prints its HTTP status (000: no answer) on a line of its
# own, in order; 2xx is accepted. One without an MD5 or with an unknown condition is never sent.
# Sets PUT_LEFT to the number sent and not accepted.
put_round() {
  set -- -sS
  _pr_i=0
  : >"$WORK/put.sent"
  while read -r _pr_name _pr_file _pr_url _pr_cond; do
    _pr_i=$((_pr_i + 1))
    [ -f "$WORK/put.$_pr_i.ok" ] && continue
    read -r _md5_n _md5_hex _pr_md5 2>/dev/null <"$_pr_file.md5" || continue
    case $_pr_cond in
    -) _pr_h= ;;
    'if-none-match=*') _pr_h='If-None-Match: *' ;;
    if-match=[0-9a-f]*) _pr_h="If-Match: \"${_pr_cond#if-match=}\"" ;;
    *) continue ;;
    esac
    [ -s "$WORK/put.sent" ] && set -- "$@" --next
    set -- "$@" -X PUT --upload-file "$_pr_file" -H "Content-MD5: $_pr_md5"
    [ -n "$_pr_h" ] && set -- "$@" -H "$_pr_h"
    # shellcheck disable=SC2086 # CURL_STALL is four words
    set -- "$@" --connect-timeout 30 $CURL_STALL -o /dev/null -w '%{http_code}\n' "$_pr_url"
    echo "$_pr_i" >>"$WORK/put.sent"
  done <"$WORK/fetched"
  PUT_LEFT=0
  [ -s "$WORK/put.sent" ] || return 0
  curl "$@" >"$WORK/put.codes" 2>/dev/null
  while read -r _pr_i; do
    _pr_code=
    read -r _pr_code <&3
    case $_pr_code in
    2[0-9][0-9]) : >"$WORK/put.$_pr_i.ok" ;;
    *) PUT_LEFT=$((PUT_LEFT + 1)) ;;
    esac
  done <"$WORK/put.sent" 3<"$WORK/put.codes"
}
# Up to 3 rounds, DELAY apart; a round sends only what the ones before did not get through.
try=1
put_round
while [ "$PUT_LEFT" -gt 0 ] && [ "$try" -lt 3 ]; do
  sleep "$DELAY"
  try=$((try + 1))
  put_round
done
REPORT=none
i=0
while read -r name file url cond; do
  i=$((i + 1))
  if [ "$name" = transfer-report ]; then
    REPORT=failed
    [ -f "$WORK/put.$i.ok" ] && REPORT=uploaded
  elif [ -f "$WORK/put.$i.ok" ]; then
    SC_OK="$SC_OK${SC_OK:+,}$name"
  else
    SC_FAILED="$SC_FAILED${SC_FAILED:+,}$name"
  fi
done <"$WORK/fetched"
kv sidecars_ok "$SC_OK"
[ -n "$SC_MISSING" ] && kv sidecars_missing "$SC_MISSING"
[ -n "$SC_FAILED" ] && kv sidecars_failed "$SC_FAILED"
kv transfer_report "$REPORT"
epoch_now
kv seconds "$((EPOCH_NOW - T0))"

if [ "$FAILED" -gt 0 ] && [ "$OK" -gt 0 ]; then
  finish partial "parts_failed:$FAILED"
elif [ "$FAILED" -gt 0 ]; then
  finish failed "all_parts_failed"
elif [ "$REPORT" = failed ]; then
  finish failed transfer_report_upload_failed
fi
finish ok ''
