#!/bin/bash -eu
# The build script of the fuzzing services: ClusterFuzzLite runs it from this folder, OSS-Fuzz
# from projects/fdlab/ (docs/fuzzing.md). They set $CC, $CXX, $CFLAGS, $CXXFLAGS (coverage and
# sanitizer flags), $LIB_FUZZING_ENGINE (the engine to link), $SRC (the source, here
# $SRC/fdlab), $WORK (scratch) and $OUT (where the fuzzers and their seeds go). The ctest
# fuzz_service_build runs this script on this machine with those variables set.
build=$WORK/fdlab-build
cmake -S "$SRC/fdlab" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DFDLAB_FUZZ_ONLY=ON -DFDLAB_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
cmake --build "$build" --target scenario_parser_fuzzer differential_fuzzer
cp "$build/fuzz/scenario_parser_fuzzer" "$build/fuzz/differential_fuzzer" "$OUT/"

# The parser's seeds are the bundled scenarios, and its dictionary their vocabulary; the
# differential fuzzer's inputs are choices, so it starts from nothing.
rm -f "$OUT/scenario_parser_fuzzer_seed_corpus.zip"
(cd "$SRC/fdlab/scenarios" && find . -name '*.json' -type f | sort |
  zip -q -@ "$OUT/scenario_parser_fuzzer_seed_corpus.zip")
"$SRC/fdlab/fuzz/make-dict" >"$OUT/scenario_parser_fuzzer.dict"
