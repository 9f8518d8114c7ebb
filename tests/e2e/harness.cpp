#include "harness.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace e2e {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- paths
std::string cli_path() { return SIGSTORM_CLI; }
std::string shim_path() { return SIGSTORM_SHIM; }
std::string target(std::string_view name) { return std::string(SIGSTORM_TARGETS) + "/" + std::string(name); }
std::string example(std::string_view name) { return std::string(SIGSTORM_EXAMPLES) + "/" + std::string(name); }
std::string source_path(std::string_view rel) { return std::string(SIGSTORM_SOURCE_DIR) + "/" + std::string(rel); }
std::string target_source(std::string_view file) { return source_path("tests/e2e/targets/" + std::string(file)); }
std::string example_source(std::string_view file) { return source_path("examples/" + std::string(file)); }

bool sigstorm_built() { return access(SIGSTORM_CLI, X_OK) == 0 && access(SIGSTORM_SHIM, R_OK) == 0; }

std::vector<int> lines_with(const std::string& file, std::string_view marker) {
  std::vector<int> lines;
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (line.find(marker) != std::string::npos) lines.push_back(n);
  return lines;
}

int line_of(const std::string& file, std::string_view marker) {
  auto lines = lines_with(file, marker);
  return lines.size() == 1 ? lines[0] : -1;
}

// ---------------------------------------------------------------- programs

std::string which(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* p = getenv("PATH");
  std::stringstream ss(p && *p ? p : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st;
    if (stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(cand.c_str(), X_OK) == 0) return cand;
  }
  return "";
}

const std::string& python() {
  static const std::string path = [] {
    if (which("python3").empty()) return std::string();
    auto r = run({"python3", "-c", "import sys; print(sys.executable)"});
    if (r.shell_status() != 0 || r.out.empty()) return std::string();
    return r.out.substr(0, r.out.find('\n'));
  }();
  return path;
}

// ---------------------------------------------------------------- running
namespace {

std::string signal_text(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? "SIG" + std::string(abbrev) : "SIG" + std::to_string(sig);
}

// PATH lookup in the parent (execve in the child is async-signal-safe; execvp is not).
std::string resolve(const std::string& prog, const std::vector<std::string>& env) {
  if (prog.find('/') != std::string::npos) return prog;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string cand = (dir.empty() ? "." : dir) + "/" + prog;
    if (access(cand.c_str(), X_OK) == 0) return cand;
  }
  return prog;  // execve fails with ENOENT -> exit 127
}

void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

std::string RunResult::describe() const {
  std::string s;
  if (!started) s = "not started";
  else if (timed_out) s = "TIMED OUT (killed by the harness)";
  else if (exited) s = "exit " + std::to_string(exit_code);
  else if (term_signal) s = "killed by signal " + std::to_string(term_signal) + " (" + signal_text(term_signal) + ")";
  std::string e = err.size() > 4000 ? err.substr(0, 4000) + "...[truncated]" : err;
  std::string o = out.size() > 2000 ? out.substr(0, 2000) + "...[truncated]" : out;
  return s + "\n--- stdout ---\n" + o + "\n--- stderr ---\n" + e;
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult r;
  if (argv.empty()) return r;

  // Environment: ours, minus anything that would preload sigstorm into a
  // bare run, minus env_unset, plus env_set.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    std::string_view key = kv.substr(0, kv.find('='));
    if (key == "LD_PRELOAD" || key.rfind("SIGSTORM_", 0) == 0) continue;
    if (std::find(options.env_unset.begin(), options.env_unset.end(), key) != options.env_unset.end()) continue;
    bool replaced = false;
    for (const auto& [k, v] : options.env_set) replaced |= (k == key);
    if (!replaced) env.emplace_back(kv);
  }
  for (const auto& [k, v] : options.env_set) env.push_back(k + "=" + v);

  std::string prog = resolve(argv[0], env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return r;

  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    // Child: only async-signal-safe calls from here on.
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) sigaction(s, &dfl, nullptr);  // fails harmlessly for KILL/STOP
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct rlimit nocore = {0, 0};  // crashing targets must not write core files
    setrlimit(RLIMIT_CORE, &nocore);
    if (cwd && chdir(cwd) != 0) _exit(126);
    execve(prog.c_str(), cargv.data(), cenv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent: no race with the kill below
  r.started = true;
  close(in[0]);
  close(out[1]);
  close(err[1]);
  set_nonblock(in[1]);
  set_nonblock(out[0]);
  set_nonblock(err[0]);

  int in_fd = in[1];
  size_t in_off = 0;
  if (options.stdin_data.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  int out_fd = out[0], err_fd = err[0];
  bool reaped = false;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;

  // Old kernels/libcs deliver SIGPIPE for a write to a pipe whose reader left;
  // block it on this thread while we feed stdin.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

  char buf[65536];
  while (true) {
    if (!reaped) {
      pid_t w = waitpid(pid, &status, WNOHANG);
      if (w == pid) reaped = true;
    }
    if (reaped && out_fd < 0 && err_fd < 0) break;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      if (!reaped) {
        waitpid(pid, &status, 0);
        reaped = true;
      }
      break;
    }
    struct pollfd pfds[3];
    int n = 0;
    if (out_fd >= 0) pfds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) pfds[n++] = {err_fd, POLLIN, 0};
    if (in_fd >= 0) pfds[n++] = {in_fd, POLLOUT, 0};
    int slice = 20;  // ms: also how often we look for the child's exit
    if (n == 0) {
      usleep(slice * 1000);
      continue;
    }
    int pr = poll(pfds, n, slice);
    if (pr < 0 && errno != EINTR) break;
    for (int i = 0; i < n && pr > 0; ++i) {
      if (!pfds[i].revents) continue;
      int fd = pfds[i].fd;
      if (fd == in_fd) {
        ssize_t w = write(in_fd, options.stdin_data.data() + in_off, options.stdin_data.size() - in_off);
        if (w > 0) in_off += size_t(w);
        if (w < 0 && errno != EAGAIN && errno != EINTR) in_off = options.stdin_data.size();
        if (in_off >= options.stdin_data.size()) {
          close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      ssize_t got = read(fd, buf, sizeof buf);
      if (got > 0) {
        (fd == out_fd ? r.out : r.err).append(buf, size_t(got));
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(fd);
        (fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  if (in_fd >= 0) close(in_fd);
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  if (WIFEXITED(status)) {
    r.exited = true;
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.term_signal = WTERMSIG(status);
  }
  if (r.timed_out) {
    r.exited = false;
    r.term_signal = SIGKILL;
  }
  return r;
}

// ---------------------------------------------------------------- sigstorm
TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/sigstorm-e2e-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data())) path = buf.data();
}

TempDir::~TempDir() {
  if (path.empty()) return;
  std::error_code ec;
  fs::remove_all(path, ec);
}

std::vector<json> SigstormRun::findings() const {
  std::vector<json> v;
  if (report_ok && report.is_object() && report.contains("findings") && report["findings"].is_array())
    for (const auto& f : report["findings"]) v.push_back(f);
  return v;
}

std::vector<json> SigstormRun::findings(std::string_view kind) const {
  std::vector<json> v;
  for (const auto& f : findings())
    if (f.value("kind", "") == kind) v.push_back(f);
  return v;
}

std::vector<json> SigstormRun::findings(std::string_view kind, std::string_view function) const {
  std::vector<json> v;
  for (const auto& f : findings(kind))
    if (f.contains("function") && name_matches(f["function"], function)) v.push_back(f);
  return v;
}

std::string SigstormRun::describe() const {
  std::string rep = report_ok ? report.dump(1) : "(no report: " + report_error + ")";
  if (rep.size() > 12000) rep = rep.substr(0, 12000) + "...[truncated]";
  return "sigstorm: " + result.describe() + "\n--- report ---\n" + rep;
}

SigstormRun run_sigstorm(const std::vector<std::string>& sigstorm_options,
                         const std::vector<std::string>& program, const RunOptions& options) {
  SigstormRun s;
  TempDir dir;
  s.report_path = dir.file("report.json");
  std::vector<std::string> argv = {cli_path(), "run", "--report", s.report_path};
  argv.insert(argv.end(), sigstorm_options.begin(), sigstorm_options.end());
  argv.push_back("--");
  argv.insert(argv.end(), program.begin(), program.end());
  s.result = run(argv, options);

  std::ifstream in(s.report_path);
  if (!in) {
    s.report_error = "no report file " + s.report_path;
    return s;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    s.report = json::parse(ss.str());
    s.report_ok = true;
  } catch (const std::exception& e) {
    s.report_error = std::string("bad JSON: ") + e.what() + "\n" + ss.str().substr(0, 2000);
    s.report = nullptr;
  }
  return s;
}

std::string signal_name(int sig) { return signal_text(sig); }

Comparison run_both(const std::vector<std::string>& program, const RunOptions& options,
                    const std::vector<std::string>& sigstorm_options) {
  Comparison c;
  c.bare = run(program, options);
  c.storm = run_sigstorm(sigstorm_options, program, options);
  return c;
}

void expect_same_exit(const RunResult& bare, const SigstormRun& storm, bool findings_expected) {
  ASSERT_FALSE(bare.timed_out) << bare.describe();
  ASSERT_FALSE(storm.result.timed_out) << storm.describe();
  if (!findings_expected) {
    EXPECT_TRUE(storm.result.exited) << storm.describe();
    EXPECT_EQ(storm.result.shell_status(), bare.shell_status())
        << "bare: " << bare.describe() << "\n" << storm.describe();
  }
  ASSERT_TRUE(storm.report_ok) << storm.describe();
  ASSERT_TRUE(storm.report.contains("exit") && storm.report["exit"].is_object()) << storm.describe();
  const json& ex = storm.report["exit"];
  if (bare.exited) {
    EXPECT_EQ(ex.value("code", json()), json(bare.exit_code)) << storm.describe();
    EXPECT_TRUE(ex.contains("signal") && ex["signal"].is_null()) << storm.describe();
  } else {
    EXPECT_EQ(ex.value("signal", json()), json(signal_name(bare.term_signal))) << storm.describe();
    EXPECT_TRUE(ex.contains("code") && ex["code"].is_null()) << storm.describe();
  }
}

void expect_transparent(const Comparison& c) {
  ASSERT_TRUE(c.bare.started) << c.bare.describe();
  expect_same_exit(c.bare, c.storm, false);
  EXPECT_EQ(c.storm.result.out, c.bare.out) << "stdout differs under sigstorm";
  EXPECT_EQ(c.storm.result.err, c.bare.err) << "stderr differs under sigstorm (with --report it adds nothing)";
  EXPECT_TRUE(c.storm.report_ok && c.storm.findings().empty()) << c.storm.describe();
  // Nothing to note, and the shim was really there: every process of the
  // run is listed, none with handlers sigstorm could not check.
  if (!c.storm.report_ok) return;
  EXPECT_EQ(c.storm.report.value("notes", json::array()), json::array()) << c.storm.describe();
  const json procs = c.storm.report.value("processes", json::array());
  EXPECT_FALSE(procs.empty()) << "no process of the run reached the report\n" << c.storm.describe();
  for (const json& p : procs) EXPECT_EQ(p.value("unchecked_handlers", 0), 0) << c.storm.describe();
  EXPECT_EQ(c.storm.report.value("dropped", -1), 0) << c.storm.describe();
}

// ---------------------------------------------------------------- findings
namespace {
bool str_name_matches(std::string_view have, std::string_view want) {
  if (have == want) return true;
  // A C++ signature "on_signal(int)" or a clone "on_usr1.constprop.0".
  if (have.size() > want.size() && have.substr(0, want.size()) == want)
    return have[want.size()] == '(' || have[want.size()] == '.';
  return false;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

bool name_matches(const json& value, std::string_view name) {
  return value.is_string() && str_name_matches(value.get<std::string>(), name);
}

bool has_frame(const json& finding, std::string_view function, std::string_view file_suffix, int line) {
  if (!finding.contains("stack") || !finding["stack"].is_array()) return false;
  for (const auto& fr : finding["stack"]) {
    if (!fr.is_object()) continue;
    if (!fr.contains("function") || !name_matches(fr["function"], function)) continue;
    if (!file_suffix.empty()) {
      if (!fr.contains("file") || !fr["file"].is_string() || !ends_with(fr["file"].get<std::string>(), file_suffix))
        continue;
    }
    if (line > 0 && !(fr.contains("line") && fr["line"].is_number_integer() && fr["line"].get<int>() == line))
      continue;
    return true;
  }
  return false;
}

bool has_frame_at(const json& finding, std::string_view file_suffix, int line) {
  if (!finding.contains("stack") || !finding["stack"].is_array()) return false;
  for (const auto& fr : finding["stack"]) {
    if (!fr.is_object() || !fr.contains("file") || !fr["file"].is_string()) continue;
    if (!ends_with(fr["file"].get<std::string>(), file_suffix)) continue;
    if (fr.contains("line") && fr["line"].is_number_integer() && fr["line"].get<int>() == line) return true;
  }
  return false;
}

std::string field(const std::string& out, std::string_view key) {
  std::stringstream ss(out);
  std::string line;
  std::string prefix = std::string(key) + "=";
  while (std::getline(ss, line))
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  return "";
}

int int_field(const std::string& out, std::string_view key) {
  std::string v = field(out, key);
  if (v.empty()) return -1;
  try {
    return std::stoi(v);
  } catch (...) {
    return -1;
  }
}

int count_lines(const std::string& text) {
  int n = int(std::count(text.begin(), text.end(), '\n'));
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

bool contains_icase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower((unsigned char)a) == std::tolower((unsigned char)b); });
  return it != haystack.end();
}

}  // namespace e2e
