# mksysb-vault: a VIOS whose padmin may only use the restricted shell (viosShell=ioscli). That shell
# runs one ioscli command per ssh call and no script, so preflight and backup run on the relay
# itself (relay.sh starts them there) and send the VIOS one command at a time. The image is written
# over NFS: the relay exports a directory (nfsExport=<relay>:<dir>) and backupios writes into
# <dir>/<host>, mounted on the VIOS at nfsMountPoint; that per-host directory is the run's staging
# on the relay. Not run on its own: index.ts puts it in place of the line `. ./ioscli.sh` in a step
# (after ssh.sh) at synth time.
# shellcheck shell=sh

NFS_EXPORT=
NFS_MOUNT_POINT=/mnt

# Takes one of the ioscli mode's own arguments (relay.sh adds them); false for any other word.
ioscli_arg() {
  case $1 in
  address=*) SSH_ADDRESS=${1#address=} ;;
  sshUser=*) SSH_USER=${1#sshUser=} ;;
  sshKeyPath=*) SSH_KEY=${1#sshKeyPath=} ;;
  knownHostsPath=*) SSH_KNOWN_HOSTS=${1#knownHostsPath=} ;;
  connectTimeout=*) SSH_CONNECT_TIMEOUT=${1#connectTimeout=} ;;
  nfsExport=*) NFS_EXPORT=${1#nfsExport=} ;;
  nfsMountPoint=*) NFS_MOUNT_POINT=${1#nfsMountPoint=} ;;
  *) return 1 ;;
  esac
}

# Checks them (an invalid one ends the step) and sets EXPORT_DIR (the export on the relay), STAGING
# (the host's directory in it: where backupios writes, and all the relay reads) and NFS_SOURCE (that
# directory as the VIOS mounts it). AIXROOT as for aixcmd (the simulated relay's root in tests).
# shellcheck disable=SC2034 # set for the step that includes this piece
ioscli_args_check() {
  valid_address "$SSH_ADDRESS" || invalid_arg address
  [ -z "$SSH_USER" ] || valid_user "$SSH_USER" || invalid_arg sshUser
  [ -z "$SSH_KEY" ] || valid_path "$SSH_KEY" || invalid_arg sshKeyPath
  [ -z "$SSH_KNOWN_HOSTS" ] || valid_path "$SSH_KNOWN_HOSTS" || invalid_arg knownHostsPath
  valid_uint "${SSH_CONNECT_TIMEOUT:-15}" || invalid_arg connectTimeout
  _ia_server=${NFS_EXPORT%%:*}
  _ia_dir=${NFS_EXPORT#*:}
  case $_ia_server in '' | *:*) invalid_arg nfsExport ;; esac
  if ! valid_address "$_ia_server" || ! valid_path "$_ia_dir"; then invalid_arg nfsExport; fi
  if ! valid_path "$NFS_MOUNT_POINT" || [ "$NFS_MOUNT_POINT" = / ]; then invalid_arg nfsMountPoint; fi
  NFS_SOURCE="$_ia_server:${_ia_dir%/}/$HOST"
  EXPORT_DIR="${AIXROOT:-}${_ia_dir%/}"
  STAGING="$EXPORT_DIR/$HOST"
}

# One ioscli command on the VIOS. Every word is a validated name, path or flag: joined with spaces,
# each stays one word for the restricted shell.
ioscli_run() {
  ssh_run "$SSH_ADDRESS" "ioscli $*" </dev/null
}

# Ends the step unreachable or auth_failed when ssh itself failed ($1 is 255; its messages in file $2).
finish_if_ssh_failed() {
  [ "$1" -eq 255 ] || return 0
  cat "$2" >&2
  finish "$(ssh_failure_kind "$2")" "ssh:$(ssh_failure_reason "$2")"
}

# Free bytes and mount point of the relay filesystem holding $1 (Linux: df -P, one line per
# filesystem), as "<bytes> <mount>".
relay_df() {
  df -Pk "$1" 2>/dev/null | awk 'NR == 2 && $4 ~ /^[0-9]+$/ { printf "%.0f %s\n", $4 * 1024, $6 }'
}

# First line of file $1 as one protocol word (the VIOS's own message, for a reason).
first_words() {
  sed -n '/./{p;q;}' "$1" 2>/dev/null | tr -c 'A-Za-z0-9._:/-' '_' | cut -c1-120
}
