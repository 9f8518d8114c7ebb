#!/usr/bin/env bash
# multitool_test.sh BUILD_DIR SOURCE_DIR
#
# The SARIF sigstorm writes for examples/handler_alloc, examples/hup_server
# and a suppressed finding passes Microsoft's SARIF Multitool with GitHub's
# rules (`validate --rule-kind "Gh;Sarif"`): no error, no warning. The
# Multitool comes from npm (@microsoft/sarif-multitool-linux) into
# BUILD_DIR/npm; where it cannot be installed or run, the test is skipped
# (exit 77) and says why.
set -uo pipefail
build=$1 src=$2
cli=$build/bin/sigstorm
examples=$build/examples
work=$build/tests/sarif
npm_dir=$build/npm
tool=$npm_dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
rm -rf "$work"
mkdir -p "$work"

skip() { echo "SKIPPED: SARIF Multitool: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

if [ ! -f "$tool" ]; then
  command -v npm >/dev/null || skip "npm is not installed (apt-get install npm)"
  echo "installing @microsoft/sarif-multitool-linux into $npm_dir"
  mkdir -p "$npm_dir"
  timeout 600 npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    @microsoft/sarif-multitool-linux >"$work/npm.log" 2>&1 || { tail -n 5 "$work/npm.log"; skip "npm install failed"; }
fi
chmod u+x "$tool" 2>/dev/null  # npm may not run the package's postinstall chmod
"$tool" --version >"$work/version.log" 2>&1 || { cat "$work/version.log"; skip "$tool does not run here"; }
echo "using $(head -n 1 "$work/version.log")"

# The SARIF to check, each made by a real run. The default source root is
# the git top level of the examples' sources; from a tarball, --srcroot.
cd "$work" || exit 1
root=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)
srcroot=()
[ -n "$root" ] || { root=$src; srcroot=(--srcroot "$src"); }
"$cli" run "${srcroot[@]}" --seed 1 -o handler_alloc.sarif -- "$examples/handler_alloc" >/dev/null 2>&1
printf 'hello\n' >greeting.txt
seq 1 100000 >requests.txt
"$cli" run "${srcroot[@]}" --seed 1 --inject HUP@every:200us -o hup_server.sarif -- "$examples/hup_server" greeting.txt \
  <requests.txt >/dev/null 2>&1
printf 'unsafe-call:report_status   # accepted for now\n' >accepted.supp
"$cli" run "${srcroot[@]}" --seed 1 --suppressions accepted.supp -o suppressed.sarif -- "$examples/handler_alloc" >/dev/null 2>&1
status=$?
[ "$status" -eq 0 ] || fail "with every finding suppressed the run must exit 0, not $status"

# Not vacuous: results with the program's own line first, code flows,
# SRCROOT, and the suppressed result marked.
python3 - "$root" <<'PY' || exit 1
import json, sys
src = sys.argv[1]
def load(name):
    return json.load(open(name))["runs"][0]
for name in ("handler_alloc.sarif", "hup_server.sarif", "suppressed.sarif"):
    run = load(name)
    results = run["results"]
    if not results:
        sys.exit(f"FAIL: {name}: no results")
    root = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    if root != "file://" + src.rstrip("/") + "/":
        sys.exit(f"FAIL: {name}: SRCROOT {root}, want the git top level {src}")
    for r in results:
        loc = r["locations"][0]["physicalLocation"]["artifactLocation"]
        if loc.get("uriBaseId") != "SRCROOT" or not loc["uri"].startswith("examples/"):
            sys.exit(f"FAIL: {name}: primary location {loc} is not the program's own source")
        steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
        if len(steps) < 3:
            sys.exit(f"FAIL: {name}: code flow of {len(steps)} steps")
    marked = [r for r in results if r.get("suppressions")]
    if name == "suppressed.sarif":
        if len(marked) != len(results) or marked[0]["suppressions"][0]["kind"] != "external":
            sys.exit(f"FAIL: {name}: results not marked suppressed")
    elif marked:
        sys.exit(f"FAIL: {name}: unexpected suppressions")
print("checked: results, SRCROOT, primary locations, code flows, suppressions")
PY

bad=0
for f in handler_alloc.sarif hup_server.sarif suppressed.sarif; do
  "$tool" validate --rule-kind "Gh;Sarif" "$f" >"$f.log" 2>&1
  rc=$?
  issues=$(grep -E ': (error|warning) [A-Z]+[0-9]+' "$f.log")
  if [ "$rc" -ne 0 ] || [ -n "$issues" ]; then
    echo "FAIL: $f: Multitool exit $rc"
    cat "$f.log"
    bad=1
  else
    echo "ok: $f: no errors or warnings (Gh;Sarif), $(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['runs'][0]['results']))" "$f") results"
  fi
done
exit $bad
