#!/usr/bin/env bash
# `cmake --install` gives another project a usable fdlab: the command, the headers and the CMake
# package. Installs the build into a temporary prefix, configures and builds tests/consumer/
# against it alone (find_package(fdlab), fdlab::core and fdlab::sim), and replays scenarios with
# it on the simulator: a passing one passes, one that must fail fails.
# Usage: install_consumer_test.sh BUILD_DIR SOURCE_ROOT
set -u
build=$1
root=$2
. "$(dirname "$0")/check.sh"

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1
check "cmake --install into a fresh prefix" $?
[ -x "$tmp/prefix/bin/fdlab" ]; check "the fdlab command is installed" $?
"$tmp/prefix/bin/fdlab" --version | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$'
check "the installed fdlab runs and says its version" $?
[ -f "$tmp/prefix/include/fdlab/core/replay.h" ] && [ -f "$tmp/prefix/include/fdlab/sim/sim_kernel.h" ]
check "the core and sim headers are installed" $?
config=$(find "$tmp/prefix" -name fdlabConfig.cmake | head -n 1)
[ -n "$config" ]; check "the CMake package (fdlabConfig.cmake) is installed" $?

# The consumer sees the installed prefix only: a copy of its sources outside the tree.
cp -r "$root/tests/consumer" "$tmp/consumer"
cmake -S "$tmp/consumer" -B "$tmp/consumer-build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  >"$tmp/configure.log" 2>&1
code=$?
[ $code -eq 0 ] || cat "$tmp/configure.log"
check "the consumer configures with find_package(fdlab)" $code
nice cmake --build "$tmp/consumer-build" >"$tmp/build.log" 2>&1
code=$?
[ $code -eq 0 ] || tail -n 30 "$tmp/build.log"
check "the consumer builds, linking fdlab::core and fdlab::sim" $code
! grep -q "$root" "$tmp/consumer-build/build.ninja"
check "the consumer's build names no path of the source tree" $?

[ -f "$tmp/prefix/include/fdlab/sim.h" ]; check "the C API header is installed" $?
"$tmp/consumer-build/c_consumer" >"$tmp/c_out" 2>&1
check "a C program links fdlab::capi and passes an fd on the sim" $?
grep -q 'c_consumer: 4 bytes "abcd", fd 7' "$tmp/c_out"; check "and says what it received" $?

good=$root/scenarios/stream/fds-stop-the-read.json
[ -f "$good" ] || good=$(ls "$root"/scenarios/stream/*.json | head -n 1)
"$tmp/consumer-build/consumer" "$good" >"$tmp/out" 2>&1
check "the consumer replays $(basename "$good") on the sim: it passes" $?
grep -q ": pass (" "$tmp/out"; check "and says so" $?
bad=$(ls "$root"/scenarios/expected-fail/*.json | head -n 1)
"$tmp/consumer-build/consumer" "$bad" >"$tmp/out" 2>&1
[ $? -eq 1 ]; check "a scenario of expected-fail/ fails through the consumer too (exit 1)" $?

echo "install consumer tests: $failures failed"
[ $failures -eq 0 ]
