#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of sigstorm's fuzz targets.
#
# The OSS-Fuzz conventions: compilers and flags come from $CC $CXX $CFLAGS
# $CXXFLAGS (sanitizer and coverage flags included) and $LIB_FUZZING_ENGINE;
# the sources are in $SRC/sigstorm; scratch space is $WORK; everything the
# fuzzers need at run time goes to $OUT:
#   fuzz_*                      the targets (libFuzzer); the examples with
#                               known bugs only with SIGSTORM_FUZZ_EXAMPLES=ON
#   libsigstorm.so              preloaded by the harness targets (they look
#                               for it next to themselves and re-exec with it)
#   lib*.so.*                   shared libraries the runner image may lack
#                               (libdw, libelf, libunwind...; rpath $ORIGIN)
#   fuzz_*_seed_corpus.zip      seed corpora
#   fuzz_*.dict, fuzz_*.options dictionaries and libFuzzer options
# scripts/fuzz-build runs this same script locally with clang.
set -eu  # also when run as `bash build.sh`, which ignores the #! line's flags
src="${SIGSTORM_SRC:-$SRC/sigstorm}"
work="${WORK:-/tmp}/sigstorm"
jobs="$(nproc)"
mkdir -p "$work" "$OUT"

# Runtime libraries resolve from the binaries' own directory: DT_RPATH (not
# RUNPATH) so that it also applies to the libraries' own dependencies.
rpath=(-DCMAKE_BUILD_RPATH='$ORIGIN' -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags
       -DCMAKE_SHARED_LINKER_FLAGS=-Wl,--disable-new-dtags)

# 1. The shim, as a plain optimized build: no sanitizer, no coverage. It is
#    preloaded into the fuzzers and must not be instrumented.
env -u CFLAGS -u CXXFLAGS -u LDFLAGS -u LIB_FUZZING_ENGINE \
  cmake -S "$src" -B "$work/shim" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSIGSTORM_TESTS=OFF -DSIGSTORM_BENCH=OFF "${rpath[@]}" >/dev/null
cmake --build "$work/shim" --target sigstorm -j"$jobs"
cp "$work/shim/lib/libsigstorm.so" "$OUT/"

# 2. The targets, with the fuzzing engine's compilers and flags.
cmake -S "$src" -B "$work/fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSIGSTORM_TESTS=OFF -DSIGSTORM_BENCH=OFF -DSIGSTORM_FUZZ=ON -DSIGSTORM_FUZZ_BUILD_SHIM=OFF \
  -DSIGSTORM_FUZZ_EXAMPLES="${SIGSTORM_FUZZ_EXAMPLES:-OFF}" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DSIGSTORM_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DSIGSTORM_FUZZ_INSTRUMENT= -DSIGSTORM_FUZZ_SANITIZERS= \
  -DSIGSTORM_FUZZ_OUT="$OUT" "${rpath[@]}" >/dev/null
cmake --build "$work/fuzz" --target sigstorm_fuzz_targets -j"$jobs"
if [ "${SIGSTORM_FUZZ_EXAMPLES:-OFF}" != ON ]; then
  for f in "$src"/fuzz/examples/*.cpp; do rm -f "$OUT/$(basename "$f" .cpp)"; done
fi

# 3. Shared libraries beyond glibc and the C++ runtime, and libunwind (the
#    shim dlopen()s it for stacks).
targets=("$OUT"/fuzz_*)
libs="$( (ldd "${targets[@]}" "$OUT/libsigstorm.so" 2>/dev/null || true) | awk '/=> \// { print $3 }')"
unwind="$(ldconfig -p | awk '/libunwind\.so\.8 .*x86-64|libunwind\.so\.8 .*AArch64/ { print $NF; exit }')"
for lib in $libs $unwind $( [ -n "$unwind" ] && ldd "$unwind" | awk '/=> \// { print $3 }'); do
  [ "$(dirname "$lib")" -ef "$OUT" ] && continue  # found through $ORIGIN: copied by an earlier build
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*|libc++*|libresolv.so*) ;;
    *) cp -L "$lib" "$OUT/" ;;
  esac
done

# 4. Seed corpora, dictionaries, options.
for dir in "$src"/fuzz/seeds/*/; do
  name="$(basename "$dir")"
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$dir" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
done
cp "$src"/fuzz/dict/*.dict "$OUT/"
for f in "$src"/fuzz/options/*.options; do
  [ -e "$OUT/$(basename "$f" .options)" ] && cp "$f" "$OUT/"
done
true
