#!/bin/sh
# mksysb-vault relay wrapper: runs a host step (preflight, backup, restore-test) on an LPAR over ssh. The step
# script comes on stdin to the LPAR's /usr/bin/ksh; its key=value arguments are quoted for the
# remote shell (and validated again by the step itself). ssh's own failures become distinct
# outcomes: unreachable (exit 13) and auth_failed (exit 14); the step's exit codes pass through.
# The backup runs detached on the LPAR (backup.sh run=start): the wrapper starts it, or attaches to
# the one already running, then polls its status file over short ssh calls, each a poll's worth of
# trouble at most: a dropped session, a relay restart or an LPAR unreachable for a while cost nothing.
# A VIOS (viosShell=oem_setup_env) gets the same through padmin's root shell (ssh.sh host_script).
# A VIOS with viosShell=ioscli runs no script: preflight and backup run here on the relay instead,
# sending it one ioscli command per ssh call (ioscli.sh).
# Usage: relay.sh step=<name> script=<file> address=<host> [sshUser= sshKeyPath= knownHostsPath=
#        connectTimeout= viosShell= nfsExport= nfsMountPoint= pollMaxSeconds= pollGiveUpSeconds=]
#        -- <step arguments…>
# shellcheck shell=sh disable=SC2317 # helpers of its pieces a step does not call look unreachable
. ./protocol.sh
. ./validate.sh
. ./ssh.sh

STEP=
SCRIPT=
SSH_ADDRESS=
SSH_USER=
SSH_KEY=
SSH_KNOWN_HOSTS=
SSH_CONNECT_TIMEOUT=15
VIOS_SHELL=
NFS_EXPORT=
NFS_MOUNT_POINT=/mnt
POLL_MAX=30
POLL_GIVE_UP=900
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
  viosShell=*) VIOS_SHELL=${1#viosShell=} ;;
  # (an ioscli VIOS's; the step checks them)
  nfsExport=*) NFS_EXPORT=${1#nfsExport=} ;;
  nfsMountPoint=*) NFS_MOUNT_POINT=${1#nfsMountPoint=} ;;
  pollMaxSeconds=*) POLL_MAX=${1#pollMaxSeconds=} ;;
  pollGiveUpSeconds=*) POLL_GIVE_UP=${1#pollGiveUpSeconds=} ;;
  *)
    kv mksysb-vault.step unknown
    invalid_arg unknown_argument
    ;;
  esac
  shift
done
case $STEP in
preflight | backup | restore-test) ;;
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
valid_vios_shell "$VIOS_SHELL" || fail_early viosShell
if ! valid_uint "$POLL_MAX" || [ "$POLL_MAX" -lt 1 ]; then fail_early pollMaxSeconds; fi
valid_uint "$POLL_GIVE_UP" || fail_early pollGiveUpSeconds
[ -r "$SCRIPT" ] || fail_early script

remote=
STAGING=
DATE=
for arg in "$@"; do
  quote_word "$arg"
  remote="$remote $QUOTED"
  case $arg in
  staging=*) STAGING=${arg#staging=} ;;
  date=*) DATE=${arg#date=} ;;
  esac
done
if [ "$STEP" = backup ]; then
  # (the step validates them again; here they name the files the wrapper polls)
  valid_path "$STAGING" || fail_early staging
  valid_date "$DATE" || fail_early date
  remote="$remote run=start"
fi

# The SSM document's own private temp dir (MV_RELAY_DIR, removed by the document after this ends)
# serves as is: a second one would cost a mkdir and an rm on every step.
if [ -n "${MV_RELAY_DIR:-}" ] && [ -d "$MV_RELAY_DIR" ]; then
  out=$MV_RELAY_DIR
else
  out="${TMPDIR:-/tmp}/mksysb-vault-relay.$$"
  mkdir -m 700 "$out" 2>/dev/null || {
    kv mksysb-vault.step "$STEP"
    finish failed "workdir_unavailable:$out"
  }
  trap 'rm -rf "$out"' EXIT
fi

# The step ended on its own terms: its output and exit code pass through. Otherwise say why, after
# whatever it printed (the last status line wins, see docs/host-protocol.md).
pass_through() {
  _pt_rc=$1
  cat "$out/stdout"
  to_stderr "$out/stderr"
  step_exit_code "$_pt_rc" && exit "$_pt_rc"
  step_line_or_own
  kv relay_ssh_exit "$_pt_rc"
  if [ "$_pt_rc" -eq 255 ]; then
    ssh_failed "$out/stderr"
  fi
  # A VIOS whose padmin may not open the root shell: its restricted shell knows no oem_setup_env.
  # Nothing ran there; the fleet entry (viosShell) says more than the site allows.
  if [ -n "$VIOS_SHELL" ] && [ "$_pt_rc" -eq 127 ] && grep -q oem_setup_env "$out/stderr" 2>/dev/null; then
    finish refused "vios_oem_setup_env_unavailable:padmin_may_not_open_the_root_shell"
  fi
  finish failed "remote_exit_$_pt_rc"
}

# The value of the last "$1=" line of file $2, in LAST_VALUE (empty without one; LAST_FOUND says
# whether there was one). Read by the shell itself, not by sed or grep: the backup's wrapper reads
# its start and every poll this way, for hours.
last_value() {
  LAST_VALUE=
  LAST_FOUND=no
  while IFS= read -r _lv_line || [ -n "$_lv_line" ]; do
    case $_lv_line in "$1="*) LAST_VALUE=${_lv_line#"$1="} LAST_FOUND=yes ;; esac
  done <"$2"
}

# The step's own mksysb-vault.step line, or the wrapper's when its output has none.
step_line_or_own() {
  last_value mksysb-vault.step "$out/stdout"
  [ "$LAST_FOUND" = yes ] || kv mksysb-vault.step "$STEP"
}

# What a step printed on stderr, passed on; an empty file costs no cat.
to_stderr() {
  [ ! -s "$1" ] || cat "$1" >&2
}

ssh_failed() {
  _sf_kind=$(ssh_failure_kind "$1")
  kv ended "$(now_utc)"
  kv reason "ssh:$(ssh_failure_reason "$1")"
  kv status "$_sf_kind"
  [ "$_sf_kind" = auth_failed ] && exit "$EX_AUTH_FAILED"
  exit "$EX_UNREACHABLE"
}

# padmin's restricted shell alone runs ioscli commands, never a script: the step runs here, on the
# relay, with what it needs to reach the VIOS (a restore test is never aimed at a VIOS).
if [ "$VIOS_SHELL" = ioscli ]; then
  [ "$STEP" = restore-test ] && fail_early viosShell
  sh "$SCRIPT" "$@" viosShell=ioscli address="$SSH_ADDRESS" sshUser="$SSH_USER" sshKeyPath="$SSH_KEY" \
    knownHostsPath="$SSH_KNOWN_HOSTS" connectTimeout="$SSH_CONNECT_TIMEOUT" \
    nfsExport="$NFS_EXPORT" nfsMountPoint="$NFS_MOUNT_POINT" >"$out/stdout" 2>"$out/stderr"
  pass_through $?
fi

if [ "$STEP" != backup ]; then
  host_script "$SSH_ADDRESS" "$SCRIPT" "$remote" >"$out/stdout" 2>"$out/stderr"
  pass_through $?
fi

# --- backup: start or attach, then poll --------------------------------------------------------
host_script "$SSH_ADDRESS" "$SCRIPT" "$remote" >"$out/start" 2>"$out/stderr"
rc=$?
# A start that ended with a status (invalid arguments, staging refused, a run of another date still
# going) or that never reached the LPAR is the step's outcome as it stands.
last_value status "$out/start"
if [ "$LAST_FOUND" = yes ] || [ "$rc" -ne 0 ]; then
  cp "$out/start" "$out/stdout"
  pass_through "$rc"
fi
last_value detached "$out/start"
DETACHED=$LAST_VALUE
last_value detached_pid "$out/start"
DETACHED_PID=$LAST_VALUE
case $DETACHED in
started | attached | finished) ;;
*)
  cp "$out/start" "$out/stdout"
  kv mksysb-vault.step "$STEP" >>"$out/stdout"
  pass_through 250
  ;;
esac

quote_word "$STAGING/.mksysb-vault.backup.status"
q_status=$QUOTED
quote_word "$STAGING/.mksysb-vault.backup.out"
q_out=$QUOTED
quote_word "$STAGING/.mksysb-vault.backup.err"
q_err=$QUOTED
# One poll: the status file and whether its pid is alive (kill -0), or phase=none without one. The
# remote shell reads the file itself (no cat, no sed): a poll costs the LPAR no process.
poll_cmd="s=$q_status; if [ -f \"\$s\" ]; then p=; while IFS= read -r l || [ -n \"\$l\" ]; do printf '%s\\n' \"\$l\"; case \$l in pid=*) p=\${l#pid=} ;; esac; done <\"\$s\"; if [ -n \"\$p\" ] && kill -0 \"\$p\" 2>/dev/null; then echo alive=yes; else echo alive=no; fi; else echo phase=none; fi"
epoch_now
T_START=$EPOCH_NOW
T_LAST_OK=$T_START
POLLS=0
POLL_FAILURES=0
FIRST_POLL=yes
PHASE=
ALIVE=
EXIT=
while :; do
  # Waits of a quarter of the time spent so far, 1 s to pollMaxSeconds: a short backup is seen done
  # soon after it ends, an hour-long one costs a poll every pollMaxSeconds.
  wait_s=$(((EPOCH_NOW - T_START) / 4))
  [ "$wait_s" -lt 1 ] && wait_s=1
  [ "$wait_s" -gt "$POLL_MAX" ] && wait_s=$POLL_MAX
  [ "$FIRST_POLL$DETACHED" = yesfinished ] || sleep "$wait_s"
  POLLS=$((POLLS + 1))
  host_run "$SSH_ADDRESS" "$poll_cmd" </dev/null >"$out/poll" 2>"$out/poll.err"
  rc=$?
  # One reading of the clock a poll: it dates this answer (or failure) and sets the next wait.
  epoch_now
  if [ "$rc" -ne 0 ]; then
    # The link or the LPAR is gone for now; the backup is not. Try again until pollGiveUpSeconds
    # have passed without an answer.
    POLL_FAILURES=$((POLL_FAILURES + 1))
    if [ $((EPOCH_NOW - T_LAST_OK)) -ge "$POLL_GIVE_UP" ]; then
      kv mksysb-vault.step "$STEP"
      kv detached "$DETACHED"
      kv detached_pid "$DETACHED_PID"
      kv relay_polls "$POLLS"
      kv relay_poll_failures "$POLL_FAILURES"
      kv relay_ssh_exit "$rc"
      cat "$out/poll.err" >&2
      ssh_failed "$out/poll.err"
    fi
    FIRST_POLL=no
    continue
  fi
  T_LAST_OK=$EPOCH_NOW
  FIRST_POLL=no
  last_value phase "$out/poll"
  PHASE=$LAST_VALUE
  last_value alive "$out/poll"
  ALIVE=$LAST_VALUE
  last_value exit "$out/poll"
  EXIT=$LAST_VALUE
  [ "$PHASE" = 'done' ] && break
  [ "$PHASE" = none ] && break
  [ "$ALIVE" = no ] && break
done

# The detached run's own output, then what the wrapper saw. Its stderr file, empty as a rule, is
# read only when it has something (one cat fewer on the LPAR); a missing one still fails the read.
collected=no
if host_run "$SSH_ADDRESS" "cat $q_out; [ -f $q_err ] && [ ! -s $q_err ] || cat $q_err >&2" </dev/null >"$out/stdout" 2>"$out/stderr"; then
  collected=yes
fi
{
  kv detached "$DETACHED"
  kv detached_pid "$DETACHED_PID"
  last_value previous_run "$out/start"
  kv_opt previous_run "$LAST_VALUE"
  kv relay_polls "$POLLS"
  kv relay_poll_failures "$POLL_FAILURES"
} >>"$out/stdout"
if [ "$PHASE" = 'done' ] && [ "$collected" = yes ] && valid_uint "$EXIT"; then
  # Collected: a later start of this date makes a new backup rather than hand this one over again.
  host_run "$SSH_ADDRESS" "mv -f $q_status $q_status.collected" </dev/null >/dev/null 2>&1
  cat "$out/stdout"
  to_stderr "$out/stderr"
  step_exit_code "$EXIT" && exit "$EXIT"
  step_line_or_own
  finish failed "remote_exit_$EXIT"
fi
cat "$out/stdout"
to_stderr "$out/stderr"
step_line_or_own
if [ "$PHASE" = none ]; then
  finish failed "detached_status_missing"
elif [ "$PHASE" = 'done' ]; then
  finish failed "detached_output_unreadable"
fi
finish failed "detached_run_died:pid_${DETACHED_PID}_phase_$PHASE"
