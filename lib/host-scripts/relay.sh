#!/bin/sh
# mksysb-vault relay wrapper: runs a host step (preflight, backup) on an LPAR over ssh. The step
# script comes on stdin to the LPAR's /usr/bin/ksh; its key=value arguments are quoted for the
# remote shell (and validated again by the step itself). ssh's own failures become distinct
# outcomes: unreachable (exit 13) and auth_failed (exit 14); the step's exit codes pass through.
# Usage: relay.sh step=<name> script=<file> address=<host> [sshUser= sshKeyPath= knownHostsPath=
#        connectTimeout=] -- <step arguments…>
# shellcheck shell=sh disable=SC2317 # common.sh helpers a step does not call look unreachable
. ./common.sh

STEP=
SCRIPT=
SSH_ADDRESS=
SSH_USER=
SSH_KEY=
SSH_KNOWN_HOSTS=
SSH_CONNECT_TIMEOUT=15
while [ $# -gt 0 ]; do
  case $1 in
  --)
    shift
    break
    ;;
  step=*) STEP=${1#step=} ;;
  script=*) SCRIPT=${1#script=} ;;
  address=*) SSH_ADDRESS=${1#address=} ;;
  sshUser=*) SSH_USER=${1#sshUser=} ;;
  sshKeyPath=*) SSH_KEY=${1#sshKeyPath=} ;;
  knownHostsPath=*) SSH_KNOWN_HOSTS=${1#knownHostsPath=} ;;
  connectTimeout=*) SSH_CONNECT_TIMEOUT=${1#connectTimeout=} ;;
  *)
    kv mksysb-vault.step unknown
    invalid_arg unknown_argument
    ;;
  esac
  shift
done
case $STEP in
preflight | backup) ;;
*)
  kv mksysb-vault.step unknown
  invalid_arg step
  ;;
esac
fail_early() {
  kv mksysb-vault.step "$STEP"
  invalid_arg "$1"
}
valid_address "$SSH_ADDRESS" || fail_early address
[ -z "$SSH_USER" ] || valid_user "$SSH_USER" || fail_early sshUser
[ -z "$SSH_KEY" ] || valid_path "$SSH_KEY" || fail_early sshKeyPath
[ -z "$SSH_KNOWN_HOSTS" ] || valid_path "$SSH_KNOWN_HOSTS" || fail_early knownHostsPath
valid_uint "$SSH_CONNECT_TIMEOUT" || fail_early connectTimeout
[ -r "$SCRIPT" ] || fail_early script

remote='/usr/bin/ksh -s --'
for arg in "$@"; do
  remote="$remote $(shell_quote "$arg")"
done

out="${TMPDIR:-/tmp}/mksysb-vault-relay.$$"
mkdir -m 700 "$out" 2>/dev/null || {
  kv mksysb-vault.step "$STEP"
  finish failed "workdir_unavailable:$out"
}
trap 'rm -rf "$out"' EXIT

ssh_run "$SSH_ADDRESS" "$remote" <"$SCRIPT" >"$out/stdout" 2>"$out/stderr"
rc=$?
cat "$out/stdout"
cat "$out/stderr" >&2
case $rc in
0 | "$EX_INVALID" | "$EX_REFUSED" | "$EX_FAILED" | "$EX_PARTIAL") exit "$rc" ;;
esac
# The step did not finish on its own terms: say why, after whatever it printed (the last status
# line wins, see docs/host-protocol.md).
grep -q '^mksysb-vault\.step=' "$out/stdout" || kv mksysb-vault.step "$STEP"
kv relay_ssh_exit "$rc"
if [ "$rc" -eq 255 ]; then
  kind=$(ssh_failure_kind "$out/stderr")
  kv ended "$(now_utc)"
  kv reason "ssh:$(ssh_failure_reason "$out/stderr")"
  kv status "$kind"
  [ "$kind" = auth_failed ] && exit "$EX_AUTH"
  exit "$EX_UNREACHABLE"
fi
finish failed "remote_exit_$rc"
