# mksysb-vault: ssh from the relay to the LPAR (relay mode): the address and user it connects with,
# the quoting of a remote command's words, the safe options, and what a failed ssh meant. Not run
# on its own: index.ts puts it in place of the line `. ./ssh.sh` in a step at synth time.
# shellcheck shell=sh

# SSH_ADDRESS, SSH_USER, SSH_KEY, SSH_KNOWN_HOSTS, SSH_CONNECT_TIMEOUT and VIOS_SHELL are set by
# the step that uses ssh (transfer, relay) from its arguments.

# A VIOS's padmin lands in a restricted ksh that runs ioscli commands and no path with a slash, so a
# command or a step script cannot be handed to it as an LPAR's root takes them. With
# VIOS_SHELL=oem_setup_env the text goes on the stdin of `oem_setup_env`, the root shell padmin may
# open (IBM: "places the padmin user in a non-restricted UNIX root shell"), which reads it as
# `ksh -s` would; a step's arguments come first as a `set --` line.
valid_vios_shell() {
  case $1 in
  '' | oem_setup_env | ioscli) return 0 ;;
  esac
  return 1
}

# Runs command text $2 on host $1; stdin is the caller's for an LPAR (give it </dev/null).
host_run() {
  if [ "${VIOS_SHELL:-}" = oem_setup_env ]; then
    printf '%s\n' "$2" | ssh_run "$1" oem_setup_env
  else
    ssh_run "$1" "$2"
  fi
}

# Runs step script $2 on host $1 with the already quoted argument words $3 (each with a leading space).
host_script() {
  if [ "${VIOS_SHELL:-}" = oem_setup_env ]; then
    { printf 'set --%s\n' "$3" && cat "$2"; } | ssh_run "$1" oem_setup_env
  else
    ssh_run "$1" "/usr/bin/ksh -s --$3" <"$2"
  fi
}

valid_address() {
  # a host name, an IPv4 address or an IPv6 address (letters, digits, dot, hyphen, colon)
  case $1 in
  '' | -* | *[!A-Za-z0-9.:-]*) return 1 ;;
  esac
  [ ${#1} -le 255 ]
}

valid_user() {
  case $1 in
  '' | -* | *[!A-Za-z0-9._-]*) return 1 ;;
  esac
  [ ${#1} -le 32 ]
}

# Quotes one word for the remote shell, in QUOTED: '…' with each ' written as '\''. The shell's own
# expansions do it (no sed, and no subshell to take its output: the relay quotes every argument of
# every step, hundreds of times a run), and keep trailing newlines as given.
# shellcheck disable=SC2034 # QUOTED is read by the steps that include this piece
quote_word() {
  _q_rest=$1
  _q_out=
  while :; do
    case $_q_rest in
    *\'*)
      _q_out="$_q_out${_q_rest%%\'*}'\\''"
      _q_rest=${_q_rest#*\'}
      ;;
    *) break ;;
    esac
  done
  QUOTED="'$_q_out$_q_rest'"
}

# ssh with the options that make a relay safe: never prompt (BatchMode), never accept an unknown or
# changed host key (StrictHostKeyChecking and the pinned known_hosts), give up on a dead host soon.
ssh_run() {
  set -- -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout="${SSH_CONNECT_TIMEOUT:-15}" \
    -o ServerAliveInterval=30 -o ServerAliveCountMax=4 "$@"
  [ -n "${SSH_KNOWN_HOSTS:-}" ] && set -- -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" "$@"
  [ -n "${SSH_KEY:-}" ] && set -- -i "$SSH_KEY" -o IdentitiesOnly=yes "$@"
  [ -n "${SSH_USER:-}" ] && set -- -l "$SSH_USER" "$@"
  ssh "$@"
}

# What an ssh exit status of 255 meant, from ssh's own messages: auth_failed or unreachable.
ssh_failure_kind() {
  if grep -qi -e 'permission denied' -e 'host key verification failed' -e 'authentication' \
    -e 'no matching host key' -e 'host identification has changed' "$1" 2>/dev/null; then
    echo auth_failed
  else
    echo unreachable
  fi
}

# A short reason from ssh's last message, safe to print as one protocol value.
ssh_failure_reason() {
  grep -i -e 'ssh' -e 'denied' -e 'refused' -e 'timed out' -e 'verification' -e 'resolve' "$1" 2>/dev/null |
    sed -n '$p' | tr -c 'A-Za-z0-9._:/-' '_' | cut -c1-160
}
