# Simulated LPAR: loaded by every stand-in command. Finds the host's root from the command's own
# place (<root>/usr/bin/<cmd> or <root>/usr/sbin/<cmd>) and reads its profile.env.
# shellcheck shell=sh
SIM_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=/dev/null
. "$SIM_ROOT/profile.env"
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH

# Is fault $1 in the profile? Sets FAULT_ARG to what follows "name:" (e.g. slow:3 -> 3).
has_fault() {
  FAULT_ARG=
  for _f in $SIM_FAULTS; do
    case $_f in
    "$1") return 0 ;;
    "$1":*)
      FAULT_ARG=${_f#"$1":}
      return 0
      ;;
    esac
  done
  return 1
}

# The image header the simulated mksysb/savevg writes in the image's first bytes, read back by
# lsmksysb and restore: "SIMLPAR-IMAGE kind=.. host=.. vg=.. date=.. oslevel=.. files=.. size=..".
image_field() {
  head -c 512 "$1" 2>/dev/null | sed -n '1s/.* '"$2"'=\([^ ]*\).*/\1/p'
}
