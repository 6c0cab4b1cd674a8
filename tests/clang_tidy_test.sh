#!/usr/bin/env bash
# clang-tidy with the root .clang-tidy over fdlab's own sources (core, sim, native, cli), from
# the build's compile_commands.json; any warning fails (WarningsAsErrors).
#   tests/clang_tidy_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1
src=$2
cd "$src"
files=$(ls core/*.cpp core/usocket/*.cpp sim/*.cpp native/*.cpp cli/*.cpp)
count=$(echo "$files" | wc -l)
out=$(run-clang-tidy -p "$build" -quiet -j "$(nproc)" $files 2>&1)
code=$?
echo "$out" | grep -E "(warning|error):" | grep -v "warnings generated" | sort -u
echo "clang-tidy: $count files, exit $code"
exit $code
