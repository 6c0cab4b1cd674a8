#!/usr/bin/env bash
# Builds usocket 1.1.0 with fixes from patches/ applied, as a node_modules-style directory:
#
#   adapters/usocket/build-patched.sh OUTDIR [PATCH...]
#
# makes OUTDIR/usocket (the package, with its runtime dependencies in OUTDIR/usocket/node_modules),
# so that `FDLAB_USOCKET_NODE_MODULES=OUTDIR node adapters/usocket/replay.js ...` runs it.
# PATCH is a patch file, or a prefix of one in patches/ ("03", "03-unshift"); default: every
# patches/*.patch, in name order. They are applied in the order given, with
# `patch -p1 --forward --silent --fuzz=0`, to a copy of the pristine package in node_modules/
# (installed by setup.sh). uwrap.node is rebuilt with node-gyp only if a patch touches src/;
# otherwise the pristine build is copied.
#
# Writes nothing outside OUTDIR (the copy is staged inside it and replaces OUTDIR/usocket only
# once everything worked). Prints one line on success; on failure says why on stderr, exit 1.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
me="build-patched.sh"
die() { echo "$me: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $me OUTDIR [PATCH...]"
outdir="$1"
shift

modules="$here/node_modules"
pristine="$modules/usocket"
# What index.js requires (bindings, debug) and what those require (file-uri-to-path, ms).
deps=(bindings debug ms file-uri-to-path)
[ -f "$pristine/index.js" ] && [ -f "$pristine/build/Release/uwrap.node" ] \
  || die "no built pristine package in $pristine: run $here/setup.sh"
for d in "${deps[@]}"; do
  [ -d "$modules/$d" ] || die "dependency $d missing in $modules: run $here/setup.sh"
done

# The patches, as absolute paths, resolved before anything is written.
patches=()
if [ $# -eq 0 ]; then
  for p in "$here"/patches/*.patch; do
    [ -f "$p" ] && patches+=("$p")
  done
  [ ${#patches[@]} -gt 0 ] || die "no patches in $here/patches"
else
  for arg in "$@"; do
    if [ -f "$arg" ]; then
      patches+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")")
    else
      matches=("$here"/patches/"$arg"*.patch)
      [ ${#matches[@]} -eq 1 ] && [ -f "${matches[0]}" ] \
        || die "$arg: not a patch file, nor the start of exactly one name in $here/patches"
      patches+=("${matches[0]}")
    fi
  done
fi

mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"
stage="$(mktemp -d "$outdir/.usocket-build.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
pkg="$stage/usocket"

mkdir -p "$pkg/node_modules"
cp -R "$pristine/." "$pkg/"
for d in "${deps[@]}"; do
  cp -R "$modules/$d" "$pkg/node_modules/"
done

rebuild=no
names=()
for p in "${patches[@]}"; do
  if ! out="$(cd "$pkg" && patch -p1 --forward --silent --fuzz=0 --no-backup-if-mismatch \
      -r - < "$p" 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "$(basename "$p") does not apply (to the pristine package$([ ${#names[@]} -gt 0 ] \
      && echo " with ${names[*]}")); nothing was written to $outdir/usocket"
  fi
  names+=("$(basename "$p" .patch)")
  if grep -q '^+++ b/src/' "$p"; then rebuild=yes; fi
done

built="pristine uwrap.node"
if [ "$rebuild" = yes ]; then
  # binding.gyp finds nan's headers with require('nan') from the package directory.
  cp -R "$modules/nan" "$pkg/node_modules/"
  rm -rf "$pkg/build"
  mkdir "$stage/tmp"
  if ! (cd "$pkg" && TMPDIR="$stage/tmp" PYTHONDONTWRITEBYTECODE=1 JOBS=2 "$modules/.bin/node-gyp" rebuild \
      --nodedir=/usr --devdir="$stage/node-gyp-devdir" -j 2 > "$stage/node-gyp.log" 2>&1); then
    tail -n 30 "$stage/node-gyp.log" >&2
    die "node-gyp rebuild of the patched uwrap.cc failed; nothing was written to $outdir/usocket"
  fi
  rm -rf "$pkg/node_modules/nan"
  built="uwrap.node rebuilt"
fi

rm -rf "$outdir/usocket"
mv "$pkg" "$outdir/usocket"
echo "$outdir/usocket: usocket 1.1.0 + ${#names[@]} patch(es) [${names[*]}], $built"
