#!/bin/sh
# scripts/check-banned.sh — rejects calls to functions we do not use
# (sprintf strcat strcpy strncpy strtok sscanf gets), as curl and libgit2 do.
#
# Looks at the repository's *.c and *.h files (tracked, plus new ones that are
# not ignored, so it also works before the first `git add`); outside a git
# work tree it looks at every *.c/*.h below the current directory except
# build/. Comments and string literals are skipped, so a comment that says
# "never sprintf()" is fine. Exit 0 when clean, 1 listing file:line: call.
#
# Usage: scripts/check-banned.sh [FILE...]
set -eu

# With no arguments: the repository this script lives in.
[ $# -gt 0 ] || cd "$(dirname "$0")/.."

BANNED='sprintf strcat strcpy strncpy strtok sscanf gets'

list_files() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- '*.c' '*.h'
	else
		find . -path ./build -prune -o \( -name '*.c' -o -name '*.h' \) -print
	fi
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT INT TERM

list_files "$@" | while IFS= read -r f; do
	[ -f "$f" ] || continue
	# awk: blank out comments, string and character literals (keeping line
	# numbers), then report banned names followed by "(".
	awk -v banned="$BANNED" -v file="$f" '
	BEGIN { n = split(banned, names, " "); incomment = 0 }
	{
		line = $0; out = ""; i = 1; len = length(line)
		while (i <= len) {
			c = substr(line, i, 1); c2 = substr(line, i, 2)
			if (incomment) {
				if (c2 == "*/") { incomment = 0; i += 2; out = out "  " } else { i++; out = out " " }
				continue
			}
			if (c2 == "/*") { incomment = 1; i += 2; out = out "  "; continue }
			if (c2 == "//") break
			if (c == "\"" || c == "\047") {
				q = c; i++; out = out " "
				while (i <= len) {
					c = substr(line, i, 1)
					if (c == "\\") { i += 2; continue }
					i++
					if (c == q) break
				}
				out = out " "
				continue
			}
			out = out c; i++
		}
		for (k = 1; k <= n; k++) {
			re = "(^|[^A-Za-z0-9_])" names[k] "[ \t]*\\("
			if (out ~ re)
				printf "%s:%d: %s: %s\n", file, NR, names[k], $0
		}
	}' "$f"
done >"$tmp"

if [ -s "$tmp" ]; then
	echo "check-banned: banned functions used (use snprintf, util_asprintf, memcpy with an" \
		"explicit length, strtok_r, strtol/util_parse_long, fgets):" >&2
	cat "$tmp" >&2
	exit 1
fi
echo "check-banned: no banned functions"
