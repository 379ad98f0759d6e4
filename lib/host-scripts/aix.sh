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

# Size of a file in bytes (ls -l field 5 is portable; stat -c is GNU-only).
file_size() {
  # shellcheck disable=SC2012 # ls is the portable way to read a size on AIX
  ls -ln "$1" 2>/dev/null | awk 'NR == 1 { print $5 }'
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
