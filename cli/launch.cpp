#include "cli/launch.h"

#include <limits.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "inject/options/duration.h"
#include "inject/run/program.h"
#include "inject/run/supervisor.h"
#include "inject/error.h"
#include "inject/options/number.h"
#include "inject/wire/record_format.h"

extern char** environ;

namespace sigstorm::cli {

uint64_t duration_option(const char* option, const std::string& text) {
  const std::string quoted = "'" + text + "'";
  auto ns = parse_duration(text);
  if (!ns)
    throw Error(std::string(option) + " " + quoted +
                ": not a duration (want a number with unit ns, us, ms, s, m or h, e.g. 2s, 1.5s, 10m; a bare number is seconds)");
  if (*ns == 0) throw Error(std::string(option) + " " + quoted + ": must be longer than 0");
  return *ns;
}

uint64_t random_seed() {
  uint32_t v = 0;
  if (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v)) v = static_cast<uint32_t>(monotonic_ns() ^ getpid());
  return v;
}

uint64_t seed_option(const std::optional<std::string>& text) {
  if (!text) return random_seed();
  auto s = parse_u64(*text);
  if (!s) throw Error("--seed '" + *text + "': not a number (want a decimal integer 0..2^64-1)");
  return *s;
}

double time_scale_option(const std::string& t) {
  double d = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size() || !std::isfinite(d))
    throw Error("--time-scale '" + t + "': not a number (want e.g. 0.001)");
  if (d <= 0) throw Error("--time-scale '" + t + "': must be greater than 0");
  return d;
}

int exitcode_option(const std::string& text) {
  auto code = parse_u64(text);
  if (!code || *code > 255) throw Error("--error-exitcode '" + text + "': want an exit status 0..255");
  return static_cast<int>(*code);
}

std::string shim_path() {
  std::string shim;
  if (const char* env = std::getenv("SIGSTORM_SHIM"); env && *env) {
    shim = env;
  } else {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw Error(std::string("cannot find sigstorm's own path: ") + std::strerror(errno));
    std::string self(buf, static_cast<size_t>(n));
    shim = self.substr(0, self.rfind('/')) + "/../lib/libsigstorm.so";
  }
  char real[PATH_MAX];
  if (!realpath(shim.c_str(), real))
    throw Error("libsigstorm.so not found at " + shim + " (" + std::strerror(errno) +
                "; build it, or set SIGSTORM_SHIM)");
  return real;
}

constexpr const char* kStaticTlsTunable = "glibc.rtld.optional_static_tls";
constexpr uint64_t kStaticTlsBytes = 16384;

std::string audit_library(const std::string& shim) {
  const std::string path = shim.substr(0, shim.rfind('/') + 1) + "libsigstorm-audit.so";
  return access(path.c_str(), R_OK) == 0 ? path : std::string();
}

std::string python_hook_dir(const std::string& shim) {
  const std::string dir = shim.substr(0, shim.rfind('/') + 1) + "sigstorm-python";
  return access((dir + "/sitecustomize.py").c_str(), R_OK) == 0 ? dir : std::string();
}

std::string preload_head(const std::string& shim, const std::string& first) {
  return first.empty() ? shim : first + ":" + shim;
}

std::vector<std::string> child_environment(const std::string& shim, const std::string& run_file,
                                           const Sanitizer& program, uint32_t checks) {
  std::vector<std::string> env;
  std::string preload, audit, tunables;
  bool has_tunables = false;
  std::optional<std::string> pythonpath;
  const std::string pre = "LD_PRELOAD=";
  const std::string aud = "LD_AUDIT=";
  const std::string tun = "GLIBC_TUNABLES=";
  const std::string run = std::string(wire::kEnvRunFile) + "=";
  const std::string py = "PYTHONPATH=";
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.substr(0, pre.size()) == pre) {
      preload = std::string(kv.substr(pre.size()));
      continue;
    }
    if (kv.substr(0, aud.size()) == aud) {
      audit = std::string(kv.substr(aud.size()));
      continue;
    }
    if (kv.substr(0, tun.size()) == tun) {
      tunables = std::string(kv.substr(tun.size()));
      has_tunables = true;
      continue;
    }
    if (kv.substr(0, py.size()) == py) {
      pythonpath = std::string(kv.substr(py.size()));
      continue;
    }
    if (kv.substr(0, run.size()) == run) continue;
    env.emplace_back(kv);
  }
  env.push_back(pre + preload_head(shim, program.preload_first()) + (preload.empty() ? "" : ":" + preload));
  // The unsafe-call check of every call into a shared object (preload/audit/):
  // first, the program's own auditors chained after it (rtld-audit(7)).
  const bool calls_checked = (checks & wire::check_bit(wire::kUnsafeCall)) != 0;
  const std::string auditor = program.takes_audit() && calls_checked ? audit_library(shim) : std::string();
  if (!auditor.empty()) env.push_back(aud + auditor + (audit.empty() ? "" : ":" + audit));
  else if (!audit.empty()) env.push_back(aud + audit);
  // With an auditor the loader sets up static TLS before it maps the
  // program's objects, so their initial-exec TLS comes out of the surplus
  // glibc keeps for dlopen (512 bytes by default): a preloaded jemalloc
  // (2.6 KiB) would fail to load ("cannot allocate memory in static TLS
  // block"). The program's own setting of the tunable wins.
  if (!auditor.empty() && tunables.find(kStaticTlsTunable) == std::string::npos)
    tunables += (tunables.empty() ? "" : ":") + std::string(kStaticTlsTunable) + "=" +
                std::to_string(kStaticTlsBytes + program.audit_tls_bytes());
  if (has_tunables || !tunables.empty()) env.push_back(tun + tunables);
  env.push_back(run + run_file);
  // Python programs load the start-up hook first (handler-exception), and
  // through it their own sitecustomize.
  if (const std::string hook = python_hook_dir(shim); !hook.empty())
    env.push_back(py + hook + (pythonpath && !pythonpath->empty() ? ":" + *pythonpath : ""));
  else if (pythonpath)
    env.push_back(py + *pythonpath);
  return env;
}

Prepared prepare(const std::vector<std::string>& command) {
  Prepared p;
  p.program = command.front();
  p.path = resolve_program(p.program, std::getenv("PATH"));
  p.shim = shim_path();
  check_shim(p.shim);
  check_preloadable(p.program, p.path, p.shim);
  p.sanitizer = detect_sanitizer(p.path);
  if (p.sanitizer.preload_first().find_first_of(": ") != std::string::npos)
    throw Error(p.program + ": its " + p.sanitizer.name + " runtime " + p.sanitizer.runtime +
                " holds a ':' or ' ', which LD_PRELOAD cannot carry");
  return p;
}

std::string current_dir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string();
}

}  // namespace sigstorm::cli
