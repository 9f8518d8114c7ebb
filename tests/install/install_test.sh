#!/usr/bin/env bash
# Installs a built sigstorm the way a user would, moves it, and uses it:
#
#   tests/install/install_test.sh BUILD_DIR [SOURCE_DIR]
#
#   1. cmake --install BUILD --prefix TMP, then mv TMP TMP2 (nothing may
#      depend on where it was installed); the layout; no build-tree path in
#      the CMake and pkg-config files
#   a. TMP2/bin/sigstorm run -- /bin/true (exit 0, the moved shim is the one
#      preloaded) and an example with a finding (exit 66, reported)
#   b. a separate CMake project: find_package(sigstorm), sigstorm::fuzz, g++;
#      its program decodes a schedule, attaches to the installed shim, and
#      has the installed harness report a real finding; it finds the shim
#      from PREFIX/bin by itself, and never falls back to the build tree's
#   c. the same program built with pkg-config --cflags --libs sigstorm
#   d. cpack -G DEB: Depends, contents; dpkg-deb -x, then the unpacked CLI
#      runs with its own shim
#   e. a libFuzzer target (clang++ -fsanitize=fuzzer, pkg-config) finds the
#      bug of fuzz/examples/fuzz_malloc_race.cpp with the installed harness
#   f. the man page and the bash completion list every option of
#      `sigstorm SUBCOMMAND --help` (and nothing it lacks); the completion
#      completes options, --inject specs piece by piece, lists and programs
#
# A part whose tool is missing is skipped with a message. ctest runs it as
# `install` (tests/CMakeLists.txt).
set -uo pipefail

build="$(cd "${1:?usage: install_test.sh BUILD_DIR [SOURCE_DIR]}" && pwd)"
src="$(cd "${2:-$(dirname "$0")/../..}" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sigstorm-install.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The installed tools must find their own files, not the build's.
unset SIGSTORM_SHIM LD_PRELOAD

failures=0
step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
skip() { printf 'SKIP: %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
# expect_status WANT DESCRIPTION CMD... (output in $tmp/out, $tmp/err)
expect_status() {
  local want=$1 what=$2 got
  shift 2
  # (the braces keep bash's "Aborted" line for an expected abort out of the log)
  { "$@" >"$tmp/out" 2>"$tmp/err"; got=$?; } 2>/dev/null
  if [ "$got" -eq "$want" ]; then
    ok "$what (exit $got)"
  else
    fail "$what: exit $got, want $want: $*"
    sed 's/^/    | /' "$tmp/err" | tail -20
    return 1
  fi
}

# ---- 1. install, move ----
step "cmake --install $build --prefix TMP, then move TMP"
if ! cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  fail "cmake --install"
  exit 1
fi
mv "$tmp/prefix" "$tmp/moved"
P="$tmp/moved"
for f in bin/sigstorm lib/libsigstorm.so lib/sigstorm-python/sitecustomize.py lib/libsigstorm_fuzz.a lib/libsigstorm_engine.a include/sigstorm/fuzz.h \
         lib/cmake/sigstorm/sigstormConfig.cmake lib/cmake/sigstorm/sigstormConfigVersion.cmake \
         lib/pkgconfig/sigstorm.pc share/bash-completion/completions/sigstorm; do
  [ -e "$P/$f" ] || fail "installed tree lacks $f"
done
man_page="$(ls "$P"/share/man/man1/sigstorm.1* 2>/dev/null | head -1)"
[ -n "$man_page" ] || fail "installed tree lacks share/man/man1/sigstorm.1"
ok "layout: bin/sigstorm lib/libsigstorm.so lib/*.a include/sigstorm/fuzz.h lib/cmake lib/pkgconfig man1 completion"
if grep -rlF "$build" "$P/lib/cmake" "$P/lib/pkgconfig" >/dev/null; then
  fail "an installed CMake or pkg-config file names the build tree $build"
fi
ok "no build-tree path in the installed CMake and pkg-config files"
if have readelf && [ "$(readelf -d "$P/bin/sigstorm" | grep -cE 'R(UN)?PATH')" != 0 ]; then
  fail "the installed CLI keeps an RPATH: $(readelf -d "$P/bin/sigstorm" | grep -E 'R(UN)?PATH')"
fi

# ---- a. the moved CLI ----
step "a. the moved CLI runs programs with the moved shim"
expect_status 0 "sigstorm run -- /bin/true" "$P/bin/sigstorm" run -- /bin/true
if expect_status 0 "sigstorm run -- /bin/sh -c 'echo \$LD_PRELOAD'" \
     "$P/bin/sigstorm" run -- /bin/sh -c 'echo "$LD_PRELOAD"'; then
  if [ "$(cat "$tmp/out")" = "$(realpath "$P/lib/libsigstorm.so")" ]; then
    ok "the preloaded shim is the moved prefix's: $(cat "$tmp/out")"
  else
    fail "LD_PRELOAD was '$(cat "$tmp/out")', want $P/lib/libsigstorm.so"
  fi
fi
example="$build/examples/handler_alloc"
if [ -x "$example" ]; then
  expect_status 66 "sigstorm run -- examples/handler_alloc" "$P/bin/sigstorm" run -- "$example"
  if grep -q "ERROR: sigstorm: unsafe-call: malloc called from handler report_status" "$tmp/err" &&
     grep -q "^SUMMARY: sigstorm: .* error" "$tmp/err"; then
    ok "the finding is reported (unsafe-call: malloc from report_status)"
  else
    fail "no unsafe-call finding for handler_alloc:"; sed 's/^/    | /' "$tmp/err" | tail -20
  fi
  expect_status 66 "sigstorm run --report r.json -- examples/handler_alloc" \
    "$P/bin/sigstorm" run --report "$tmp/r.json" -- "$example"
  grep -q '"kind": *"unsafe-call"' "$tmp/r.json" && ok "JSON report has the finding" || fail "JSON report lacks the finding"
else
  skip "$example not built"
fi
expect_status 0 "sigstorm points" "$P/bin/sigstorm" points
grep -q '^malloc ' "$tmp/out" || fail "sigstorm points lacks malloc"

# The consumer program: describe, init (re-exec with the shim), bug (a
# finding reported by the installed harness, then abort: 134).
check_consumer() {  # HOW BINARY
  local how=$1 bin=$2
  expect_status 0 "$how: consumer describe" "$bin" describe &&
    { grep -qx 'SIGUSR1@call:\*,when=4' "$tmp/out" && ok "$how: schedule decoded: $(cat "$tmp/out")" ||
        fail "$how: describe printed '$(cat "$tmp/out")'"; }
  expect_status 0 "$how: consumer init (SIGSTORM_SHIM=moved shim)" env SIGSTORM_SHIM="$P/lib/libsigstorm.so" "$bin" init
  expect_status 134 "$how: consumer bug: the harness finds the handler's malloc and aborts" \
    env SIGSTORM_SHIM="$P/lib/libsigstorm.so" "$bin" bug &&
    { grep -q "ERROR: sigstorm: unsafe-call: malloc called from handler on_usr1" "$tmp/err" &&
        ok "$how: harness report: $(grep -m1 'ERROR: sigstorm' "$tmp/err" | sed 's/^==[0-9]*==//')" ||
        fail "$how: no unsafe-call report from the harness"; }
}

# ---- b. find_package(sigstorm) ----
step "b. find_package(sigstorm) + sigstorm::fuzz with g++"
if ! have g++; then
  skip "g++ missing"
else
  gen=()
  have ninja && gen=(-G Ninja)
  if cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" "${gen[@]}" -DCMAKE_CXX_COMPILER=g++ \
       -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Debug >"$tmp/cmake.log" 2>&1 &&
     cmake --build "$tmp/consumer" >>"$tmp/cmake.log" 2>&1; then
    ok "configured and built a project with find_package(sigstorm 0.1 REQUIRED)"
    paths="$tmp/consumer/paths.txt"
    grep -qE '^version=[0-9]+\.[0-9]+\.[0-9]+$' "$paths" || fail "sigstorm_VERSION: $(cat "$paths")"
    grep -qx "shim=$P/lib/libsigstorm.so" "$paths" && grep -qx "cli=$P/bin/sigstorm" "$paths" &&
      grep -qx "shim_var=$P/lib/libsigstorm.so" "$paths" &&
      ok "sigstorm::shim, sigstorm::cli, sigstorm_SHIM point into the moved prefix" ||
      { fail "package paths:"; sed 's/^/    | /' "$paths"; }
    check_consumer cmake "$tmp/consumer/consumer"
    # Beside the prefix's bin/, the harness finds ../lib/libsigstorm.so itself.
    cp "$tmp/consumer/consumer" "$P/bin/consumer-test"
    expect_status 0 "consumer in PREFIX/bin finds ../lib/libsigstorm.so without SIGSTORM_SHIM" "$P/bin/consumer-test" init
    rm -f "$P/bin/consumer-test"
    # Elsewhere, without SIGSTORM_SHIM, the installed harness's last resort is
    # the configured prefix's lib/, never the build tree's shim.
    configured="$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")"
    if [ -e "$configured/lib/libsigstorm.so" ]; then
      skip "$configured/lib/libsigstorm.so exists: the harness's fallback cannot be told from it"
    else
      mkdir -p "$tmp/elsewhere"
      cp "$tmp/consumer/consumer" "$tmp/elsewhere/"
      expect_status 1 "consumer elsewhere, no SIGSTORM_SHIM: no shim found (not the build tree's)" "$tmp/elsewhere/consumer" init &&
        { grep -q "libsigstorm.so not found" "$tmp/err" && ok "it says: $(head -1 "$tmp/err")" ||
            fail "unexpected message: $(head -3 "$tmp/err")"; }
    fi
  else
    fail "the find_package(sigstorm) project did not configure or build:"
    sed 's/^/    | /' "$tmp/cmake.log" | tail -30
  fi
fi

# ---- c. pkg-config sigstorm ----
step "c. pkg-config --cflags --libs sigstorm with g++"
if ! have pkg-config || ! have g++; then
  skip "pkg-config or g++ missing"
else
  export PKG_CONFIG_PATH="$P/lib/pkgconfig"
  flags="$(pkg-config --cflags --libs sigstorm)" || fail "pkg-config sigstorm"
  shim="$(pkg-config --variable=shim sigstorm)"
  if [ "$(realpath "$shim")" = "$(realpath "$P/lib/libsigstorm.so")" ]; then
    ok "pkg-config --variable=shim sigstorm: $shim"
  else
    fail "pkg-config --variable=shim sigstorm is '$shim'"
  fi
  echo "pkg-config: $flags"
  # shellcheck disable=SC2086
  if g++ -std=c++20 -g "$src/tests/install/consumer/main.cpp" $flags -o "$tmp/pc-consumer" 2>"$tmp/gcc.log"; then
    ok "g++ main.cpp \$(pkg-config --cflags --libs sigstorm)"
    check_consumer pkg-config "$tmp/pc-consumer"
  else
    fail "g++ with pkg-config flags:"; sed 's/^/    | /' "$tmp/gcc.log" | tail -20
  fi
  unset PKG_CONFIG_PATH
fi

# ---- d. cpack -G DEB ----
step "d. cpack -G DEB, dpkg-deb -x, run the unpacked CLI"
if ! have cpack || ! have dpkg-deb; then
  skip "cpack or dpkg-deb missing"
elif [ ! -f "$build/CPackConfig.cmake" ]; then
  skip "$build/CPackConfig.cmake missing (configured with SIGSTORM_INSTALL=OFF?)"
elif ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1; then
  fail "cpack -G DEB:"; sed 's/^/    | /' "$tmp/cpack.log" | tail -20
else
  deb="$(ls "$tmp"/pkg/*.deb | head -1)"
  ok "cpack -G DEB: $(basename "$deb")"
  depends="$(dpkg-deb -f "$deb" Depends)"
  echo "Depends: $depends"
  for dep in libc6 libdw1 libelf1 libunwind8; do
    [[ ", $depends," == *", $dep"[\ ,]* ]] || fail "Depends lacks $dep"
  done
  # Nothing installed needs libstdc++ at run time (the CLI links it in).
  [[ ", $depends," != *", libstdc++6"[\ ,]* ]] || fail "Depends names libstdc++6, which nothing installed needs"
  dpkg-deb -c "$deb" >"$tmp/contents"
  for f in ./usr/bin/sigstorm ./usr/lib/libsigstorm.so ./usr/lib/libsigstorm_fuzz.a ./usr/lib/libsigstorm_engine.a \
           ./usr/include/sigstorm/fuzz.h ./usr/lib/cmake/sigstorm/sigstormConfig.cmake ./usr/lib/pkgconfig/sigstorm.pc \
           ./usr/share/man/man1/sigstorm.1 ./usr/share/bash-completion/completions/sigstorm; do
    grep -q " $f" "$tmp/contents" || fail "the .deb lacks $f"
  done
  ok "the .deb has the CLI, the shim, the harness, the CMake and pkg-config files, man page, completion"
  dpkg-deb -x "$deb" "$tmp/root"
  expect_status 0 "unpacked usr/bin/sigstorm run -- /bin/true (no SIGSTORM_SHIM)" "$tmp/root/usr/bin/sigstorm" run -- /bin/true
  if expect_status 0 "unpacked CLI: LD_PRELOAD" "$tmp/root/usr/bin/sigstorm" run -- /bin/sh -c 'echo "$LD_PRELOAD"'; then
    [ "$(cat "$tmp/out")" = "$(realpath "$tmp/root/usr/lib/libsigstorm.so")" ] &&
      ok "the unpacked CLI preloads its own shim: $(cat "$tmp/out")" || fail "unpacked CLI preloaded '$(cat "$tmp/out")'"
  fi
  [ -x "$example" ] && expect_status 66 "unpacked CLI: examples/handler_alloc" "$tmp/root/usr/bin/sigstorm" run -- "$example"
fi

# ---- e. a libFuzzer target against the installed harness ----
step "e. clang++ -fsanitize=fuzzer target with pkg-config sigstorm finds its bug"
if ! have clang++ || ! have pkg-config; then
  skip "clang++ or pkg-config missing"
elif ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
       clang++ -x c++ -fsanitize=fuzzer -o "$tmp/fuzz-probe" - 2>/dev/null; then
  skip "clang++ cannot link -fsanitize=fuzzer (libclang-rt-dev)"
else
  flags="$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs sigstorm)"
  target="$src/fuzz/examples/fuzz_malloc_race.cpp"
  # shellcheck disable=SC2086
  if clang++ -std=c++20 -fsanitize=fuzzer -g -gdwarf-aranges "$target" $flags -o "$tmp/fuzz_malloc_race" 2>"$tmp/clang.log"; then
    mkdir -p "$tmp/fuzzwork"
    (cd "$tmp/fuzzwork" && SIGSTORM_SHIM="$P/lib/libsigstorm.so" timeout 90 "$tmp/fuzz_malloc_race" \
       -max_total_time=40 -timeout=10 >"$tmp/fuzz.log" 2>&1)
    if ls "$tmp"/fuzzwork/crash-* >/dev/null 2>&1 && grep -q "ERROR: sigstorm: unsafe-call" "$tmp/fuzz.log"; then
      ok "fuzz_malloc_race: $(grep -m1 'ERROR: sigstorm' "$tmp/fuzz.log" | sed 's/^==[0-9]*==//'), crash input saved"
    else
      fail "fuzz_malloc_race found nothing:"; tail -20 "$tmp/fuzz.log" | sed 's/^/    | /'
    fi
  else
    fail "clang++ -fsanitize=fuzzer with pkg-config flags:"; sed 's/^/    | /' "$tmp/clang.log" | tail -20
  fi
fi

# ---- f. man page and completion follow --help ----
step "f. man page and bash completion list every option of --help"
completion="$P/share/bash-completion/completions/sigstorm"
case "$man_page" in
  *.gz) man_src="$(gzip -dc "$man_page")" ;;
  *) man_src="$(cat "$man_page")" ;;
esac
for sub in run points report fuzz; do
  opts="$("$P/bin/sigstorm" "$sub" --help | grep -oE '^ +(-[a-zA-Z],)?--[a-z][a-z0-9-]*(,--[a-z][a-z0-9-]*)*' | tr ',' '\n' | tr -d ' ' | sort -u)"
  [ -n "$opts" ] || fail "no options parsed from sigstorm $sub --help"
  listed="$(bash -c "source '$completion'; v=_sigstorm_opts_$sub; echo \${!v}")"
  for o in $opts; do
    roff="${o//-/\\-}"
    grep -qF -- "$roff" <<<"$man_src" || fail "sigstorm.1 does not document '$sub $o'"
    [[ " $listed " == *" $o "* ]] || fail "the completion lacks '$sub $o'"
  done
  for o in $listed; do
    grep -qx -- "$o" <<<"$opts" || fail "the completion offers '$sub $o', which sigstorm $sub --help lacks"
  done
done
ok "sigstorm.1 and the completion cover run/points/report/fuzz --help"
if have groff; then
  warnings="$(groff -man -ww -z <<<"$man_src" 2>&1)"
  [ -z "$warnings" ] && ok "groff -man -ww: no warnings" || fail "groff -man warnings: $warnings"
else
  skip "groff missing: man page not rendered"
fi
# complete LINE: the candidates the completion offers at the end of LINE,
# as readline would get them (COMP_WORDBREAKS as bash sets it).
cat >"$tmp/complete.sh" <<'EOS'
source "$1"
COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:'
COMP_LINE="$3" COMP_POINT=${#3}
read -r -a COMP_WORDS <<<"$COMP_LINE"
_sigstorm "$2" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
EOS
complete_line() { bash "$tmp/complete.sh" "$completion" "$P/bin/sigstorm" "$1" 2>/dev/null; }
check_completion() {  # LINE WANT
  local got
  got="$(complete_line "$1")"
  if grep -qxF -- "$2" <<<"$got"; then
    ok "completion: '$1' offers '$2'"
  else
    fail "completion: '$1' does not offer '$2' (got: $(head -8 <<<"$got" | tr '\n' ' '))"
  fi
}
check_completion "sigstorm ru" run
check_completion "sigstorm fuzz --max" --max-time
check_completion "sigstorm run --inj" --inject
check_completion "sigstorm run --inject US" USR1@
check_completion "sigstorm run --inject USR1@ca" call:
check_completion "sigstorm run --inject USR1@call:rea" read
check_completion "sigstorm run -i HUP@call:read,mo" read,mode=
check_completion "sigstorm run -i HUP@call:read,mode=ei" eintr
check_completion "sigstorm run --check unsafe-call,errno-c" unsafe-call,errno-clobber
check_completion "sigstorm run --policy " linux
check_completion "sigstorm report x.json --format sa" sarif
check_completion "sigstorm points --format " markdown
check_completion "sigstorm run -- /bin/tru" /bin/true

echo
if [ "$failures" -ne 0 ]; then
  echo "install test: $failures failure(s)"
  exit 1
fi
echo "install test: all passed"
