# mksysb-vault: the checks every step makes of its arguments. Not run on its own: index.ts puts it in
# place of the line `. ./validate.sh` in a step at synth time.
# shellcheck shell=sh

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

# A valid volume-group list as words, in VG_WORDS (its names hold no space nor glob character).
vg_words() {
  VG_WORDS=$1
  while :; do
    case $VG_WORDS in
    *,*) VG_WORDS="${VG_WORDS%%,*} ${VG_WORDS#*,}" ;;
    *) break ;;
    esac
  done
}
