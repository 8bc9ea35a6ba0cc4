#!/bin/sh
# Find the Python interpreters that can build this collection's environment, by running
# scripts/check_python.py (which holds the supported versions) with each candidate.
#
#   find_pythons.sh          the one `make` builds .venv from: the newest supported python3.x on
#                            the PATH, else python3 if it is supported. Prints "PATH VERSION".
#   find_pythons.sh --all    one interpreter for each supported version, newest first, one line
#                            each: python3.x and python3 on the PATH, then pyenv's installed
#                            versions (which need not be on the PATH).
#
# Candidates that do not run (a pyenv shim for a version that is not selected) or that the check
# refuses are skipped; within one version the first found on the PATH wins, as the shell would pick
# it. Exits 1, saying why, when none is found. POSIX sh: it runs before any Python is chosen.
set -u
case $0 in */*) here=${0%/*} ;; *) here=. ;; esac
check=$here/check_python.py
all=no
[ "${1:-}" = "--all" ] && all=yes

# Candidates, one a line as "MINOR PATH": python3.x on the PATH (exactly that name: python3.13t,
# the free-threaded build, and python3.13-config are not interpreters the pins are made for),
# newest name first; then python3 (MINOR "-": known once it has run); then pyenv's.
candidates() {
    old_ifs=$IFS
    IFS=:
    for dir in $PATH; do
        for file in "${dir:-.}"/python3.[0-9] "${dir:-.}"/python3.[0-9][0-9]; do
            [ -f "$file" ] && [ -x "$file" ] && echo "${file##*/python3.} $file"
        done
    done | sort -s -k1,1nr
    for dir in $PATH; do
        [ -f "${dir:-.}/python3" ] && [ -x "${dir:-.}/python3" ] && echo "- ${dir:-.}/python3"
    done
    IFS=$old_ifs
    if [ "$all" = yes ]; then
        for file in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3; do
            [ -f "$file" ] && [ -x "$file" ] && echo "- $file"
        done
    fi
}

# Run the check with each candidate whose version has no interpreter yet; print "PATH VERSION" for
# those that pass ("MINOR PATH VERSION" while sorting).
found=$(candidates | {
    done_minors=" "
    while read -r minor file; do
        case $done_minors in *" $minor "*) continue ;; esac
        passed=$("$file" "$check" 2>/dev/null) || continue
        version=${passed##* }
        minor=${version#*.}
        minor=${minor%%.*}
        case $done_minors in *" $minor "*) continue ;; esac
        done_minors="$done_minors$minor "
        echo "$minor $passed"
        [ "$all" = yes ] || break
    done
} | sort -s -k1,1nr | cut -d" " -f2-)

if [ -z "$found" ]; then
    echo "No python3.11, python3.12 or python3.13 (nor a python3 that is one of them) on the PATH can" \
         "build the environment." >&2
    if command -v python3 >/dev/null 2>&1; then
        python3 "$check" >/dev/null  # says what python3 is, and how to get one
    else
        echo "Install one (see the README), or name one: make PYTHON=/path/to/python3.13 lab" >&2
    fi
    exit 1
fi
echo "$found"
