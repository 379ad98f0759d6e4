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

# Fields 1, 3 and 5 of `ls $1 $2`'s first line (-ln: a file, -ldn: a directory itself) in LS_MODE,
# LS_UID and LS_SIZE, each empty when unreadable: ls is the portable way to read them on AIX (stat
# is GNU-only). The shell splits the line into fields (set -f: no globbing), as awk would.
# shellcheck disable=SC2034 # LS_* are read by the callers
ls_fields() {
  # shellcheck disable=SC2012 # see above
  _lf_out=$(ls "$1" "$2" 2>/dev/null)
  set -f
  # shellcheck disable=SC2086 # split on purpose
  set -- ${_lf_out%%"$NL"*}
  set +f
  LS_MODE=${1:-}
  LS_UID=${3:-}
  LS_SIZE=${5:-}
}

# Size of a file in bytes in FILE_SIZE (empty: unreadable).
# shellcheck disable=SC2034 # FILE_SIZE is read by the steps that include this piece
size_of() {
  ls_fields -ln "$1"
  FILE_SIZE=$LS_SIZE
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

# SHA-256 of a file with whatever the host has, as "<tool> <hex>" in FILE_SHA256: openssl (openssl.base),
# else AIX's own csum, else "none" — the caller says so rather than inventing a checksum.
# shellcheck disable=SC2034 # FILE_SHA256 is read by the steps that include this piece
sha256_of() {
  if _s_cmd=$(aixcmd openssl); then
    openssl_sha256_hex "$("$_s_cmd" dgst -sha256 "$1" </dev/null 2>/dev/null)"
    FILE_SHA256="openssl $SHA_HEX"
  elif _s_cmd=$(aixcmd csum); then
    FILE_SHA256="csum $("$_s_cmd" -h SHA256 "$1" </dev/null 2>/dev/null | awk 'NR == 1 { print tolower($1) }')"
  else
    FILE_SHA256=none
  fi
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
