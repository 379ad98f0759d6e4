# mksysb-vault: the part MD5 sidecar, one format for its writer (backup) and its reader (transfer).
# Not run on its own: index.ts puts it in place of the line `. ./part-md5.sh` in a step at synth
# time; bench/transfer.ts sources it (with validate.sh and aix.sh) to write a sidecar as backup does.
# shellcheck shell=sh

# <image>.partmd5 holds the MD5 of each upload part of the image, so the transfer sends every part
# straight from the image with its Content-MD5 and never reads a part twice or copies it. Line 1:
# "# mksysb-vault part md5 v1 size=<image bytes> partSize=<bytes> parts=<n>"; then one line per
# part, "<n> <md5 hex> <md5 base64>". Parts are cut as prepare-upload cuts them (whole MiB each, the
# last one short).
PART_MD5_HEADER='# mksysb-vault part md5 v1'

# Turns each line `openssl dgst -md5` prints ("MD5(<file>)= <hex>", "(stdin)= <hex>") into
# "<line number> <hex> <base64>", so one openssl gives both forms: printed, or with files=1 written to
# <file>.md5. Fails on a line with no MD5, on none, or on other than `want` lines when given.
# shellcheck disable=SC2016 # awk's own fields
PART_MD5_AWK='function v(s, i, n) { for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
function c(n) { return substr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", n + 1, 1) }
{ h = $NF; if (h !~ /^[0-9a-f]+$/ || length(h) != 32) { bad = 1; exit }
  b = ""; for (i = 1; i < 31; i += 6) { x = v(substr(h, i, 6)); b = b c(int(x / 262144)) c(int(x / 4096) % 64) c(int(x / 64) % 64) c(x % 64) }
  x = v(substr(h, 31, 2)); b = b c(int(x / 4)) c(x % 4 * 16) "=="; k++
  if (!files) { print k, h, b; next }
  f = $0; sub(/^[^(]*\(/, "", f); sub(/\)= [0-9a-f]*$/, "", f); print k, h, b >(f ".md5") }
END { exit (bad || !k || (want != "" && k != want)) }'

# Writes <image $1>.partmd5 for parts of $2 bytes (a whole number of MiB) with openssl $3, reading
# the image once (one openssl a part, one awk for all), and prints the number of parts. Fails,
# leaving no sidecar, when a part cannot be read or hashed or the image changes size meanwhile.
write_part_md5s() {
  _pm_img=$1
  _pm_part=$2
  _pm_ssl=$3
  _pm_tmp="$_pm_img.partmd5.tmp"
  size_of "$_pm_img"
  _pm_size=$FILE_SIZE
  if ! valid_uint "$_pm_size" || [ "$_pm_size" -eq 0 ]; then return 1; fi
  _pm_mib=$((_pm_part / 1048576))
  _pm_count=$(((_pm_size + _pm_part - 1) / _pm_part))
  rm -f "$_pm_img.partmd5" "$_pm_tmp" "$_pm_tmp.hex" "$_pm_tmp.err"
  printf '%s size=%s partSize=%s parts=%s\n' "$PART_MD5_HEADER" "$_pm_size" "$_pm_part" "$_pm_count" \
    >"$_pm_tmp" || return 1
  _pm_n=1
  while [ "$_pm_n" -le "$_pm_count" ] && [ ! -f "$_pm_tmp.err" ]; do
    # (no pipefail in sh: dd's failure is noted in a file)
    { dd if="$_pm_img" bs=1048576 skip=$(((_pm_n - 1) * _pm_mib)) count="$_pm_mib" </dev/null 2>/dev/null ||
      echo "$_pm_n" >"$_pm_tmp.err"; } | "$_pm_ssl" dgst -md5 >>"$_pm_tmp.hex" 2>/dev/null
    _pm_n=$((_pm_n + 1))
  done
  if [ -f "$_pm_tmp.err" ] || ! awk -v want="$_pm_count" "$PART_MD5_AWK" "$_pm_tmp.hex" >>"$_pm_tmp"; then
    rm -f "$_pm_tmp" "$_pm_tmp.hex" "$_pm_tmp.err"
    return 1
  fi
  rm -f "$_pm_tmp.hex"
  size_of "$_pm_img"
  if [ "$FILE_SIZE" != "$_pm_size" ]; then
    rm -f "$_pm_tmp"
    return 1
  fi
  mv -f "$_pm_tmp" "$_pm_img.partmd5" || return 1
  echo "$_pm_count"
}
