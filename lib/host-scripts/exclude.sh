# mksysb-vault: the exclude list (/etc/exclude.rootvg, the lines mksysb -e leaves out, each a grep
# pattern on the names mksysb lists: ./tmp/x). The config's list arrives as the excludeList argument,
# the file's bytes in hex: no character of a pattern ever reaches a command line or the remote shell.
# Preflight reads it to check the staging directory is excluded; backup writes it. Not run on its
# own: index.ts puts it in place of the line `. ./exclude.sh` in a step at synth time.
# shellcheck shell=sh

# shellcheck disable=SC2034 # used by the steps that include this piece
EXCLUDE_FILE="${AIXROOT:-}/etc/exclude.rootvg"

# An excludeList argument: lower-case hex, whole bytes, at most 2048 of them (empty: no list).
valid_hex() {
  case $1 in
  *[!0-9a-f]*) return 1 ;;
  esac
  [ $((${#1} % 2)) -eq 0 ] && [ ${#1} -le 4096 ]
}

# Prints the bytes of a hex string (fold: short lines for any awk; awk's %c of a number is that byte).
hex_decode() {
  printf '%s\n' "$1" | fold -w 64 | awk 'BEGIN { h = "0123456789abcdef" }
    { for (i = 1; i < length($0); i += 2)
        printf "%c", (index(h, substr($0, i, 1)) - 1) * 16 + index(h, substr($0, i + 1, 1)) - 1 }'
}

# Does mksysb -e with the list in file $1 leave out the name $2 (./path)? What mksysb does: grep -f.
exclude_matches() {
  [ -f "$1" ] && printf '%s\n' "$2" | grep -q -f "$1" 2>/dev/null
}

# The list's lines in the protocol (exclude_list.1=…, at most 200) and how many there are.
exclude_report() {
  _er_n=0
  while IFS= read -r _er_line || [ -n "$_er_line" ]; do
    _er_n=$((_er_n + 1))
    [ "$_er_n" -le 200 ] && kv "exclude_list.$_er_n" "$_er_line"
  done <"$1"
  kv exclude_list_lines "$_er_n"
}
