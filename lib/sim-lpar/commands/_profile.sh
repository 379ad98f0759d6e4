# Simulated LPAR: loaded by every stand-in command. Finds the host's root from the command's own
# place (<root>/usr/bin/<cmd> or <root>/usr/sbin/<cmd>) and reads its profile.env. Stand-ins run a
# few hundred times a local run: they fork as little as they can (no dirname, basename, tr or sed
# where the shell's own expansions do).
# shellcheck shell=sh
# <root>/usr/bin/<cmd> less its last three names, without a subshell, when $0 is a plain absolute
# path (as PATH and AIXROOT give it); else as cd and pwd make it.
case $0 in
*//* | */./* | */../*) SIM_ROOT=$(cd "${0%/*}/../.." && pwd) ;;
/*/*/*/*) SIM_ROOT=${0%/*/*/*} ;;
*) SIM_ROOT=$(cd "${0%/*}/../.." && pwd) ;;
esac
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

# Runs the simulated LPAR's archiver (lib/sim-lpar/archiver.ts, bundled into the fleet as
# SIM_TOOL): it writes, lists and describes the real archives. While the process running the
# scripts serves it (SIM_TOOL_SERVER holds `<port> <token>`, see archiver-server.ts), one curl asks
# the server; else (no file, no server listening there, or another's) it runs in a node of its own.
# shellcheck disable=SC2153 # SIM_NODE, SIM_TOOL and SIM_TOOL_SERVER come from profile.env
sim_tool() {
  if [ -f "$SIM_TOOL_SERVER" ] && read -r _st_port _st_token <"$SIM_TOOL_SERVER"; then
    _st_reply=$(printf '%s\000' "$_st_token" "$PWD" "$(umask)" "$@" |
      curl -s --data-binary @- "http://127.0.0.1:$_st_port/")
    _st_curl=$?
    case $_st_curl:$_st_reply in
    "0:# sim-tool reply"*)
      _st_out= _st_err= _st_rc=1
      eval "$_st_reply"
      printf '%s' "$_st_out"
      [ -z "$_st_err" ] || printf '%s' "$_st_err" >&2
      return "$_st_rc"
      ;;
    7:* | 127:* | "0:# sim-tool refused"*) ;;
    *)
      echo "sim-tool: the archiver server on port $_st_port failed (curl exit $_st_curl)" >&2
      return 1
      ;;
    esac
  fi
  "$SIM_NODE" "$SIM_TOOL" "$@"
}

# A field of the archiver's `key=value …` answer ($1) by name ($2).
tool_field() {
  for _kv in $1; do
    case $_kv in "$2"=*) printf '%s\n' "${_kv#*=}" ;; esac
  done
}

# Prints the archiver's answer ($2: list, lf or L) for image $1 kept when it wrote the image (see
# archiver.ts, --answers) while the image has not changed since; else prints nothing, returns 1.
SIM_ANSWERS=$SIM_ROOT/state/answers
kept_answer() {
  case $1 in
  /*) _kept=$SIM_ANSWERS$1.$2 ;;
  *) _kept=$SIM_ANSWERS$PWD/$1.$2 ;;
  esac
  # shellcheck disable=SC3013 # -nt: dash and ksh93, the shells the simulated hosts run, have it
  [ -f "$_kept" ] && [ "$_kept" -nt "$1" ] && cat "$_kept"
}
