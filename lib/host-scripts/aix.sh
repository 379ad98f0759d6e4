# mksysb-vault: finding AIX's commands and reading a file's size the way every AIX level can. Not run
# on its own: index.ts puts it in place of the line `. ./aix.sh` in a step at synth time.
# shellcheck shell=sh

# (Steps fed to `ksh -s` read their own text from stdin, so every command they run gets
# </dev/null: one that read stdin would swallow the rest of the script.)

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

NL='
'

# Size of a file in bytes (ls -l field 5 is portable; stat -c is GNU-only), in FILE_SIZE (empty:
# unreadable). The shell splits ls's first line into fields (set -f: no globbing), as awk would.
size_of() {
  # shellcheck disable=SC2012 # ls is the portable way to read a size on AIX
  _so_out=$(ls -ln "$1" 2>/dev/null)
  set -f
  # shellcheck disable=SC2086 # split on purpose
  set -- ${_so_out%%"$NL"*}
  set +f
  FILE_SIZE=$5
}

file_size() {
  size_of "$1"
  printf '%s\n' "$FILE_SIZE"
}

# The SHA-256 of `openssl dgst -sha256` output $1 (lines ending "= <64 hex>"), lower-cased, in
# SHA_HEX (empty: none): sed -n 's/^.*= *\([0-9A-Fa-f]\{64\}\)$/\1/p' | tr A-F a-f, in the shell.
openssl_sha256_hex() {
  SHA_HEX=
  _oh_rest=$1
  while [ -n "$_oh_rest" ]; do
    _oh_line=${_oh_rest%%"$NL"*}
    case $_oh_rest in
    *"$NL"*) _oh_rest=${_oh_rest#*"$NL"} ;;
    *) _oh_rest= ;;
    esac
    case $_oh_line in
    *=*) _oh_hex=${_oh_line##*=} ;;
    *) continue ;;
    esac
    _oh_hex=${_oh_hex#"${_oh_hex%%[! ]*}"}
    case $_oh_hex in
    *[!0-9A-Fa-f]*) continue ;;
    esac
    [ ${#_oh_hex} -eq 64 ] && SHA_HEX="$SHA_HEX${SHA_HEX:+
}$_oh_hex"
  done
  case $SHA_HEX in
  *[A-F]*) SHA_HEX=$(printf '%s\n' "$SHA_HEX" | tr 'A-F' 'a-f') ;;
  esac
}

# A VIOS's ioscli (the command line padmin's commands are; from the root shell, backupios and viosbr
# run through it). AIXROOT as for aixcmd.
ioscmd() {
  if [ -x "${AIXROOT:-}/usr/ios/cli/ioscli" ]; then
    printf '%s\n' "${AIXROOT:-}/usr/ios/cli/ioscli"
    return 0
  fi
  return 1
}
