// Real-server suite: Debian's nginx, redis-server (linked with jemalloc),
// memcached and a python3 script with subprocesses, run on 127.0.0.1 bare
// and under `sigstorm run`, driven by a client in this file while they run in
// the background, and signalled as an operator would (reload, reopen logs,
// graceful quit, SIGTERM). Both runs must give the same replies, the same
// exit status, the same files (logs, dumps) modulo timestamps and pids, and
// the report must have no findings; and the signal must really have done its
// job (nginx reloaded and reopened its log, redis saved its dump, the python
// handler ran). Also: small programs with tcmalloc, mimalloc and jemalloc
// preloaded (LD_PRELOAD passed through; sigstorm prepends its shim).
//
// Every server runs in its own process group with a hard deadline: on any
// failure or timeout the whole group gets SIGKILL, so a test never hangs.
// Ports are picked by binding 127.0.0.1:0. No timing is asserted.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "harness.h"

extern char** environ;

using namespace e2e;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// ---------------------------------------------------------------- small helpers



void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

std::string slurp(const std::string& path, bool* ok = nullptr) {
  std::ifstream f(path, std::ios::binary);
  if (ok) *ok = bool(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> v;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) v.push_back(line);
  return v;
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) s += l + "\n";
  return s;
}

int count_substr(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// Every run of digits becomes "N" (timestamps, pids, ports).
std::string digits_to_n(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (isdigit((unsigned char)s[i])) {
      while (i < s.size() && isdigit((unsigned char)s[i])) ++i;
      out += 'N';
    } else {
      out += s[i++];
    }
  }
  return out;
}

// Polls COND every 10 ms until it holds or TIMEOUT passes.
bool wait_until(const std::function<bool()>& cond, ms timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

// A port nobody listens on right now: bind 127.0.0.1:0, read it, close.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(fd, (sockaddr*)&a, sizeof a) == 0 && getsockname(fd, (sockaddr*)&a, &len) == 0) port = ntohs(a.sin_port);
  close(fd);
  return port;
}

// "SigCgt" of /proc/PID/status has SIG (the process catches it).
bool catches(pid_t pid, int sig) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("SigCgt:", 0) != 0) continue;
    unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
    return (mask >> (sig - 1)) & 1;
  }
  return false;
}

std::string exe_of(pid_t pid) {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  return ec ? "" : p.string();
}

// ---------------------------------------------------------------- TCP clients

// One TCP connection to 127.0.0.1:PORT with a deadline on every operation.
class Conn {
 public:
  explicit Conn(int port, ms timeout = 3000ms) : timeout_(timeout) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error_ = std::string("socket: ") + strerror(errno);
      return;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(uint16_t(port));
    if (connect(fd_, (sockaddr*)&a, sizeof a) != 0) {
      error_ = std::string("connect: ") + strerror(errno);
      close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  std::string& buffer() { return buf_; }

  bool send_all(const std::string& data) {
    size_t off = 0;
    auto deadline = Clock::now() + timeout_;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += size_t(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return fail(std::string("send: ") + strerror(errno));
      if (!wait_fd(POLLOUT, deadline)) return fail("send: timed out");
    }
    return true;
  }
  // Reads more into the buffer. False at EOF, on error or on timeout.
  bool fill() {
    auto deadline = Clock::now() + timeout_;
    char tmp[65536];
    while (true) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf_.append(tmp, size_t(n));
        return true;
      }
      if (n == 0) {
        eof_ = true;
        return false;
      }
      if (errno != EAGAIN && errno != EINTR) return fail(std::string("recv: ") + strerror(errno));
      if (!wait_fd(POLLIN, deadline)) return fail("recv: timed out");
    }
  }
  bool eof() const { return eof_; }
  // Everything until the peer closes.
  bool read_to_eof() {
    while (fill()) {
    }
    return eof_;
  }

 private:
  bool wait_fd(short events, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<ms>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    int r = ::poll(&p, 1, int(left));
    return r > 0 || (r < 0 && errno == EINTR);
  }
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  int fd_ = -1;
  ms timeout_;
  std::string buf_, error_;
  bool eof_ = false;
};

// One HTTP/1.0 GET; the reply with the headers that change from run to run
// (Date, Last-Modified, ETag) removed. "ERROR: ..." when it failed.
std::string http_get(int port, const std::string& path) {
  Conn c(port);
  if (!c.ok()) return "ERROR: " + c.error();
  if (!c.send_all("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: sigstorm-e2e\r\n\r\n"))
    return "ERROR: " + c.error();
  if (!c.read_to_eof()) return "ERROR: " + c.error() + " after " + std::to_string(c.buffer().size()) + " bytes";
  const std::string& raw = c.buffer();
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return "ERROR: no end of headers in: " + raw;
  std::string out;
  std::stringstream hs(raw.substr(0, end));
  std::string h;
  while (std::getline(hs, h)) {
    if (!h.empty() && h.back() == '\r') h.pop_back();
    std::string lower = h;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower.rfind("date:", 0) == 0 || lower.rfind("last-modified:", 0) == 0 || lower.rfind("etag:", 0) == 0)
      continue;
    out += h + "\n";
  }
  return out + "\n" + raw.substr(end + 4);
}

// Parses one RESP value at BUF[POS..] into a readable form; false when the
// buffer does not hold all of it yet.
bool parse_resp(const std::string& buf, size_t& pos, std::string& out) {
  size_t eol = buf.find("\r\n", pos);
  if (eol == std::string::npos || eol == pos) return false;
  char type = buf[pos];
  std::string line = buf.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
      out = std::string(1, type) + line;
      pos = next;
      return true;
    case '$': {
      long n = std::stol(line);
      if (n < 0) {
        out = "(nil)";
        pos = next;
        return true;
      }
      if (buf.size() < next + size_t(n) + 2) return false;
      out = "\"" + buf.substr(next, size_t(n)) + "\"";
      pos = next + size_t(n) + 2;
      return true;
    }
    case '*': {
      long n = std::stol(line);
      if (n < 0) {
        out = "(nil array)";
        pos = next;
        return true;
      }
      std::string items = "[";
      size_t p = next;
      for (long i = 0; i < n; ++i) {
        std::string item;
        if (!parse_resp(buf, p, item)) return false;
        items += (i ? ", " : "") + item;
      }
      out = items + "]";
      pos = p;
      return true;
    }
    default:
      out = "?bad reply type '" + std::string(1, type) + "': " + line;
      pos = next;
      return true;
  }
}

// A RESP command and its reply, rendered; "ERROR: ..." on a transport failure.
std::string redis_command(Conn& c, const std::vector<std::string>& args) {
  std::string cmd = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) cmd += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  if (!c.send_all(cmd)) return "ERROR: " + c.error();
  while (true) {
    size_t pos = 0;
    std::string out;
    if (parse_resp(c.buffer(), pos, out)) {
      c.buffer().erase(0, pos);
      return out;
    }
    if (!c.fill()) return "ERROR: " + (c.eof() ? std::string("connection closed") : c.error());
  }
}

// A memcached text-protocol command and its reply: the command is followed by
// the meta no-op "mn", whose "MN\r\n" marks the end of the reply.
std::string memcached_command(Conn& c, const std::string& cmd) {
  if (!c.send_all(cmd + "mn\r\n")) return "ERROR: " + c.error();
  while (true) {
    const std::string& b = c.buffer();
    if (b.size() >= 4 && b.compare(b.size() - 4, 4, "MN\r\n") == 0 &&
        (b.size() == 4 || (b.size() >= 6 && b.compare(b.size() - 6, 2, "\r\n") == 0))) {
      std::string reply = b.substr(0, b.size() - 4);
      c.buffer().clear();
      return reply;
    }
    if (!c.fill()) return "ERROR: " + (c.eof() ? std::string("connection closed") : c.error());
  }
}

// Tries to connect until something accepts on PORT, ALIVE() turns false, or
// TIMEOUT passes.
bool wait_for_port(int port, const std::function<bool()>& alive, ms timeout) {
  return wait_until(
      [&] {
        if (!alive()) return true;
        Conn c(port, 500ms);
        return c.ok();
      },
      timeout) &&
         alive();
}

// ---------------------------------------------------------------- background servers

// A program started in the background, bare or under `sigstorm run
// --report`, in a process group of its own, with stdin on /dev/null and
// stdout/stderr in files. The destructor SIGKILLs the group if it still runs.
class Background {
 public:
  struct Options {
    bool storm = false;
    std::vector<std::string> sigstorm_options;
    std::vector<std::pair<std::string, std::string>> env_set;
    std::string cwd;
  };

  // OUT_DIR holds NAME.out, NAME.err and (under sigstorm) NAME.report.json.
  Background(const std::vector<std::string>& argv, const std::string& out_dir, const std::string& name,
             const Options& o)
      : storm_(o.storm) {
    out_path_ = out_dir + "/" + name + ".out";
    err_path_ = out_dir + "/" + name + ".err";
    report_path_ = out_dir + "/" + name + ".report.json";
    std::vector<std::string> full;
    if (storm_) {
      full = {cli_path(), "run", "--report", report_path_};
      full.insert(full.end(), o.sigstorm_options.begin(), o.sigstorm_options.end());
      full.push_back("--");
    }
    full.insert(full.end(), argv.begin(), argv.end());

    // The environment: ours, minus anything that would preload sigstorm into
    // a bare run, plus env_set (as e2e::run builds it).
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
      std::string_view kv(*e);
      std::string_view key = kv.substr(0, kv.find('='));
      if (key == "LD_PRELOAD" || key.rfind("SIGSTORM_", 0) == 0) continue;
      bool replaced = false;
      for (const auto& [k, v] : o.env_set) replaced |= (k == key);
      if (!replaced) env.emplace_back(kv);
    }
    for (const auto& [k, v] : o.env_set) env.push_back(k + "=" + v);

    std::string prog = full[0].find('/') == std::string::npos ? which(full[0]) : full[0];
    std::vector<char*> cargv, cenv;
    for (auto& a : full) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);
    const char* cwd = o.cwd.empty() ? nullptr : o.cwd.c_str();

    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0 || err < 0 || prog.empty()) {
      for (int fd : {in, out, err})
        if (fd >= 0) close(fd);
      return;
    }
    pid_t pid = fork();
    if (pid == 0) {
      // Only async-signal-safe calls from here on.
      setpgid(0, 0);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      struct sigaction dfl;
      memset(&dfl, 0, sizeof dfl);
      dfl.sa_handler = SIG_DFL;
      for (int s = 1; s < NSIG; ++s) sigaction(s, &dfl, nullptr);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      struct rlimit nocore = {0, 0};
      setrlimit(RLIMIT_CORE, &nocore);
      if (cwd && chdir(cwd) != 0) _exit(126);
      execve(prog.c_str(), cargv.data(), cenv.data());
      _exit(127);
    }
    close(in);
    close(out);
    close(err);
    if (pid < 0) return;
    setpgid(pid, pid);
    pid_ = pid;
  }

  ~Background() { kill_group(); }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  bool started() const { return pid_ > 0; }
  bool storm() const { return storm_; }

  // Reaps it if it has ended; true while it runs.
  bool alive() {
    if (pid_ <= 0 || reaped_) return false;
    int st = 0;
    pid_t w = waitpid(pid_, &st, WNOHANG);
    if (w == pid_) {
      reaped_ = true;
      status_ = st;
      return false;
    }
    return true;
  }

  // The program's own pid: the process forked (bare), or the CLI's child
  // once it has exec'd the program (under sigstorm). -1 when there is none
  // within TIMEOUT.
  pid_t program_pid(ms timeout = 10000ms) {
    if (!storm_) return pid_;
    if (program_pid_ > 0) return program_pid_;
    const std::string cli_exe = exe_of(pid_);
    wait_until(
        [&] {
          if (!alive()) return true;
          std::ifstream f("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
          pid_t child;
          while (f >> child) {
            std::string exe = exe_of(child);
            if (!exe.empty() && exe != cli_exe) {
              program_pid_ = child;
              return true;
            }
          }
          return false;
        },
        timeout);
    return program_pid_;
  }

  // Waits for the end; on timeout SIGKILLs the group and says so.
  bool wait(ms timeout) {
    if (pid_ <= 0) return false;
    bool ended = wait_until([&] { return !alive(); }, timeout);
    if (!ended) {
      timed_out_ = true;
      kill_group();
    }
    return ended;
  }

  void kill_group() {
    if (pid_ <= 0 || reaped_) return;
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    if (program_pid_ > 0) kill(program_pid_, SIGKILL);
    int st = 0;
    while (waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    status_ = st;
  }

  // What e2e::run would have returned (call after wait()).
  RunResult result() const {
    RunResult r;
    r.started = pid_ > 0;
    r.out = slurp(out_path_);
    r.err = slurp(err_path_);
    if (!reaped_) return r;
    if (WIFEXITED(status_)) {
      r.exited = true;
      r.exit_code = WEXITSTATUS(status_);
    } else if (WIFSIGNALED(status_)) {
      r.term_signal = WTERMSIG(status_);
    }
    if (timed_out_) {
      r.timed_out = true;
      r.exited = false;
      r.term_signal = SIGKILL;
    }
    return r;
  }

  // What e2e::run_sigstorm would have returned (call after wait()).
  SigstormRun storm_result() const {
    SigstormRun s;
    s.result = result();
    s.report_path = report_path_;
    bool ok = false;
    std::string text = slurp(report_path_, &ok);
    if (!ok) {
      s.report_error = "no report file " + report_path_;
      return s;
    }
    try {
      s.report = json::parse(text);
      s.report_ok = true;
    } catch (const std::exception& e) {
      s.report_error = std::string("bad JSON: ") + e.what() + "\n" + text.substr(0, 2000);
      s.report = nullptr;
    }
    return s;
  }

  // For failure messages while it may still run.
  std::string describe() {
    std::string state = !started()  ? "not started"
                        : alive()   ? "still running"
                        : timed_out_ ? "TIMED OUT (killed)"
                                     : "ended";
    std::string s = std::string(storm_ ? "under sigstorm" : "bare") + ", " + state;
    if (reaped_ && !timed_out_) {
      if (WIFEXITED(status_)) s += ", exit " + std::to_string(WEXITSTATUS(status_));
      else if (WIFSIGNALED(status_)) s += ", killed by " + signal_name(WTERMSIG(status_));
    }
    std::string out = slurp(out_path_), err = slurp(err_path_);
    if (out.size() > 2000) out = out.substr(0, 2000) + "...[truncated]";
    if (err.size() > 4000) err = err.substr(0, 4000) + "...[truncated]";
    s += "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    if (storm_ && reaped_) {
      bool ok = false;
      std::string rep = slurp(report_path_, &ok);
      if (rep.size() > 8000) rep = rep.substr(0, 8000) + "...[truncated]";
      s += "\n--- report ---\n" + (ok ? rep : std::string("(none)"));
    }
    return s;
  }

 private:
  bool storm_ = false;
  pid_t pid_ = -1;
  pid_t program_pid_ = -1;
  bool reaped_ = false;
  bool timed_out_ = false;
  int status_ = 0;
  std::string out_path_, err_path_, report_path_;
};

const char* mode_name(bool storm) { return storm ? "under sigstorm" : "bare"; }

// The checks every server test makes on the sigstorm run against the bare one.
void expect_same_run(const RunResult& bare, const SigstormRun& storm) {
  ASSERT_FALSE(bare.timed_out) << bare.describe();
  expect_same_exit(bare, storm, false);
  EXPECT_EQ(storm.result.out, bare.out) << "stdout differs under sigstorm";
  EXPECT_EQ(storm.result.err, bare.err) << "stderr differs under sigstorm (with --report it adds nothing)";
  EXPECT_TRUE(storm.report_ok && storm.findings().empty()) << storm.describe();
  // The shim really ran in the program (it is in the report's processes).
  EXPECT_TRUE(storm.report_ok && storm.report.contains("processes") && storm.report["processes"].is_array() &&
              !storm.report["processes"].empty())
      << storm.describe();
}

// ================================================================ nginx

// Error log lines without timestamps and pids, and without the lines whose
// presence is timing (SIGIO from the channels, SIGCHLDs that coalesce), sorted:
// master and workers write concurrently.
std::vector<std::string> nginx_error_lines(const std::string& log, const std::string& dir) {
  std::vector<std::string> v;
  for (std::string line : split_lines(log)) {
    for (size_t at; !dir.empty() && (at = line.find(dir)) != std::string::npos;) line.replace(at, dir.size(), "$DIR");
    if (line.find("(SIGIO) received") != std::string::npos) continue;
    if (line.find("(SIGCHLD) received") != std::string::npos) continue;
    // "2026/12/01 15:49:18 [notice] 11818#11818: message"
    size_t bracket = line.find(" [");
    if (bracket != std::string::npos) line = line.substr(bracket + 1);
    v.push_back(digits_to_n(line));
  }
  std::sort(v.begin(), v.end());
  return v;
}

std::string nginx_config(const std::string& dir, int port, const std::string& version) {
  std::string c;
  c += "daemon off;\n";
  c += "master_process on;\n";
  c += "worker_processes 2;\n";
  if (geteuid() == 0) c += "user root root;\n";  // the temporary directory is 0700
  c += "pid " + dir + "/nginx.pid;\n";
  c += "error_log " + dir + "/error.log notice;\n";
  c += "events { worker_connections 128; }\n";
  c += "http {\n";
  c += "  log_format plain '$request_method $request_uri $status $body_bytes_sent';\n";
  c += "  access_log " + dir + "/access.log plain;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    c += std::string("  ") + t + "_temp_path " + dir + "/tmp/" + t + ";\n";
  c += "  default_type text/plain;\n";
  c += "  keepalive_timeout 0;\n";
  c += "  server {\n";
  c += "    listen 127.0.0.1:" + std::to_string(port) + ";\n";
  c += "    root " + dir + "/html;\n";
  c += "    location /r/ { return 200 \"" + version + " $uri\\n\"; }\n";
  c += "    location /load/ { return 200 \"" + version + " $uri\\n\"; }\n";
  c += "  }\n";
  c += "}\n";
  return c;
}

struct NginxRun {
  RunResult result;
  SigstormRun storm;
  std::string replies;       // the sequential requests, in order
  std::string old_access;    // access.log as renamed before SIGUSR1
  std::string new_access;    // access.log that SIGUSR1 recreated
  std::string error_log;
  std::string dir;           // the run's directory (named in error.log)
  bool pid_file_left = false;
  long load_requests = 0;    // completed by the load threads
  std::vector<std::string> load_failures;
};

bool is_load_line(const std::string& l) { return l.rfind("GET /load/", 0) == 0; }

std::vector<std::string> non_load_lines(const std::string& log) {
  std::vector<std::string> v;
  for (const auto& l : split_lines(log))
    if (!is_load_line(l)) v.push_back(l);
  return v;
}

void drive_nginx(bool storm, NginxRun* r) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string d = dir.path;
  r->dir = d;
  fs::create_directories(d + "/html/static");
  fs::create_directories(d + "/tmp");
  write_file(d + "/html/static/page.txt", "a static page\n" + std::string(3000, 'x') + "\n");
  const int port = free_port();
  ASSERT_GT(port, 0);
  const std::string conf = d + "/nginx.conf";
  write_file(conf, nginx_config(d, port, "v1"));

  Background::Options o;
  o.storm = storm;
  Background srv({"/usr/sbin/nginx", "-c", conf, "-p", d + "/"}, d, "nginx", o);
  ASSERT_TRUE(srv.started()) << srv.describe();
  ASSERT_TRUE(wait_for_port(port, [&] { return srv.alive(); }, 10000ms))
      << "nginx " << mode_name(storm) << " never listened on port " << port << "\n" << srv.describe()
      << "\n--- error.log ---\n" << slurp(d + "/error.log");
  pid_t master = -1;
  ASSERT_TRUE(wait_until(
      [&] {
        std::string p = slurp(d + "/nginx.pid");
        master = p.empty() ? -1 : atoi(p.c_str());
        return master > 0 && catches(master, SIGHUP) && catches(master, SIGUSR1) && catches(master, SIGQUIT);
      },
      5000ms))
      << "no nginx master pid (or its handlers) " << mode_name(storm) << "\n" << srv.describe();
  EXPECT_EQ(master, srv.program_pid()) << "the pid file's master is the program sigstorm started";
  ASSERT_TRUE(wait_until([&] { return count_substr(slurp(d + "/error.log"), "start worker process ") >= 2; },
                         5000ms))
      << slurp(d + "/error.log");

  auto get = [&](const std::string& path) {
    std::string reply = http_get(port, path);
    r->replies += "GET " + path + "\n" + reply + "\n";
    return reply;
  };

  // Phase A: configuration v1.
  for (int i = 0; i < 20; ++i) get("/r/a/" + std::to_string(i));
  get("/static/page.txt");
  get("/static/missing.txt");

  // Load: two clients, GET after GET, until told to stop, while nginx
  // reloads and reopens its logs. Every reply must be complete and 200.
  write_file(conf, nginx_config(d, port, "v2"));
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::mutex failures_mu;
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&, t] {
      for (int i = 0; i < 20000 && !stop; ++i) {
        std::string path = "/load/" + std::to_string(t) + "/" + std::to_string(i);
        std::string reply = http_get(port, path);
        bool good = reply.rfind("HTTP/1.1 200 OK\n", 0) == 0 &&
                    (reply.find("\n\nv1 " + path + "\n") != std::string::npos ||
                     reply.find("\n\nv2 " + path + "\n") != std::string::npos);
        if (!good) {
          std::lock_guard<std::mutex> lock(failures_mu);
          if (r->load_failures.size() < 10) r->load_failures.push_back(path + " -> " + reply);
        }
        ++done;
      }
    });
  }
  auto stop_load = [&] {
    stop = true;
    for (auto& th : load)
      if (th.joinable()) th.join();
    r->load_requests = done;
  };
  struct Joiner {
    std::function<void()> f;
    ~Joiner() { f(); }
  } joiner{stop_load};

  ASSERT_TRUE(wait_until([&] { return done >= 100; }, 8000ms)) << "no load";

  // SIGHUP: reload. New workers start, the two old ones exit.
  ASSERT_EQ(kill(master, SIGHUP), 0);
  ASSERT_TRUE(wait_until(
      [&] {
        std::string log = slurp(d + "/error.log");
        return count_substr(log, "start worker process ") >= 4 && count_substr(log, " exited with code 0") >= 2;
      },
      8000ms))
      << "nginx " << mode_name(storm) << " did not reload on SIGHUP\n--- error.log ---\n"
      << slurp(d + "/error.log") << "\n" << srv.describe();
  get("/r/after-hup");

  // SIGUSR1: reopen the logs. The renamed access log is recreated, and the
  // master and both workers say they reopened.
  fs::rename(d + "/access.log", d + "/access.log.1");
  ASSERT_EQ(kill(master, SIGUSR1), 0);
  ASSERT_TRUE(wait_until(
      [&] { return exists(d + "/access.log") && count_substr(slurp(d + "/error.log"), ": reopening logs") >= 3; },
      8000ms))
      << "nginx " << mode_name(storm) << " did not reopen its logs on SIGUSR1\n--- error.log ---\n"
      << slurp(d + "/error.log") << "\n" << srv.describe();
  const long at_reopen = done;
  ASSERT_TRUE(wait_until([&] { return done >= at_reopen + 100; }, 8000ms)) << "no load after the reopen";
  stop_load();

  // Phase C: after the reopen, into the new access log.
  for (int i = 0; i < 20; ++i) get("/r/c/" + std::to_string(i));

  // SIGQUIT: graceful shutdown.
  ASSERT_EQ(kill(master, SIGQUIT), 0);
  EXPECT_TRUE(srv.wait(10000ms)) << "nginx " << mode_name(storm) << " did not quit on SIGQUIT\n"
                                 << srv.describe();
  r->result = srv.result();
  if (storm) r->storm = srv.storm_result();
  r->old_access = slurp(d + "/access.log.1");
  r->new_access = slurp(d + "/access.log");
  r->error_log = slurp(d + "/error.log");
  r->pid_file_left = exists(d + "/nginx.pid");
}

TEST(Servers, NginxReloadReopenQuitUnderLoad) {
  REQUIRE_SIGSTORM();
  if (access("/usr/sbin/nginx", X_OK) != 0) GTEST_SKIP() << "/usr/sbin/nginx is not installed (nginx-light)";

  NginxRun bare, storm;
  ASSERT_NO_FATAL_FAILURE(drive_nginx(false, &bare));
  ASSERT_NO_FATAL_FAILURE(drive_nginx(true, &storm));

  // The bare run is what we think nginx does.
  ASSERT_EQ(bare.result.shell_status(), 0) << bare.result.describe();
  EXPECT_NE(bare.replies.find("GET /r/a/0\nHTTP/1.1 200 OK\n"), std::string::npos) << bare.replies;
  EXPECT_NE(bare.replies.find("\n\nv1 /r/a/19\n"), std::string::npos) << bare.replies;
  EXPECT_NE(bare.replies.find("\n\nv2 /r/after-hup\n"), std::string::npos) << "no reload\n" << bare.replies;
  EXPECT_NE(bare.replies.find("\n\nv2 /r/c/19\n"), std::string::npos) << bare.replies;
  EXPECT_NE(bare.replies.find("GET /static/missing.txt\nHTTP/1.1 404 Not Found\n"), std::string::npos)
      << bare.replies;
  EXPECT_EQ(count_substr(bare.replies, "ERROR:"), 0) << bare.replies;
  EXPECT_TRUE(bare.load_failures.empty()) << bare.load_failures.front();

  // Under sigstorm: the same.
  ASSERT_NO_FATAL_FAILURE(expect_same_run(bare.result, storm.storm));
  EXPECT_EQ(storm.replies, bare.replies) << "replies differ under sigstorm";
  EXPECT_TRUE(storm.load_failures.empty())
      << storm.load_failures.size() << " bad replies under load, first: " << storm.load_failures.front();
  EXPECT_GT(storm.load_requests, 0);

  for (const NginxRun* run : {&bare, &storm}) {
    const char* which_run = run == &bare ? "bare" : "under sigstorm";
    SCOPED_TRACE(which_run);
    // The old log has phase A and the request after the reload; the log
    // SIGUSR1 recreated has phase C; every load request is in one of them.
    std::vector<std::string> want_old, want_new;
    for (int i = 0; i < 20; ++i) want_old.push_back("GET /r/a/" + std::to_string(i) + " 200 " +
                                                    std::to_string(4 + std::to_string(i).size() + 5));
    want_old.push_back("GET /static/page.txt 200 3015");
    want_old.push_back("GET /static/missing.txt 404 153");
    want_old.push_back("GET /r/after-hup 200 16");
    for (int i = 0; i < 20; ++i) want_new.push_back("GET /r/c/" + std::to_string(i) + " 200 " +
                                                    std::to_string(4 + std::to_string(i).size() + 5));
    EXPECT_EQ(join_lines(non_load_lines(run->old_access)), join_lines(want_old)) << "access.log.1";
    EXPECT_EQ(join_lines(non_load_lines(run->new_access)), join_lines(want_new))
        << "access.log, recreated by SIGUSR1";
    long load_lines = 0;
    for (const std::string* log : {&run->old_access, &run->new_access})
      for (const auto& l : split_lines(*log))
        if (is_load_line(l)) {
          ++load_lines;
          EXPECT_NE(l.find(" 200 "), std::string::npos) << l;
        }
    EXPECT_EQ(load_lines, run->load_requests) << "every load request is logged once";
    EXPECT_NE(run->error_log.find("(SIGHUP) received from"), std::string::npos) << run->error_log;
    EXPECT_NE(run->error_log.find("(SIGUSR1) received from"), std::string::npos) << run->error_log;
    EXPECT_NE(run->error_log.find("(SIGQUIT) received from"), std::string::npos) << run->error_log;
    EXPECT_EQ(count_substr(run->error_log, " exited with code 0"), 4) << run->error_log;
    EXPECT_FALSE(run->pid_file_left) << "nginx removes its pid file when it quits";
  }
  EXPECT_EQ(join_lines(nginx_error_lines(storm.error_log, storm.dir)),
            join_lines(nginx_error_lines(bare.error_log, bare.dir)))
      << "error.log differs (modulo timestamps and pids)\n--- bare ---\n"
      << bare.error_log << "\n--- sigstorm ---\n" << storm.error_log;
}

// ================================================================ redis

// Log lines without pids and timestamps ("12345:M 01 Dec 2026 15:49:41.683 * ").
std::vector<std::string> redis_log_lines(const std::string& log) {
  std::vector<std::string> v;
  for (const auto& line : split_lines(log)) v.push_back(digits_to_n(line));
  return v;
}

struct RedisRun {
  RunResult result;
  SigstormRun storm;
  std::string replies;
  std::string dump;
  bool dump_ok = false;
  std::string log;
  RunResult check_rdb;
};

void drive_redis(bool storm, RedisRun* r) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string d = dir.path;
  const int port = free_port();
  ASSERT_GT(port, 0);
  Background::Options o;
  o.storm = storm;
  Background srv({"/usr/bin/redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--dir", d,
                  "--save", "3600 1", "--appendonly", "no", "--dbfilename", "dump.rdb", "--rdbcompression", "no",
                  "--logfile", d + "/redis.log", "--daemonize", "no"},
                 d, "redis", o);
  ASSERT_TRUE(srv.started()) << srv.describe();
  ASSERT_TRUE(wait_for_port(port, [&] { return srv.alive(); }, 10000ms))
      << "redis-server " << mode_name(storm) << " never listened on port " << port << "\n"
      << srv.describe() << "\n--- redis.log ---\n" << slurp(d + "/redis.log");
  pid_t pid = srv.program_pid();
  ASSERT_GT(pid, 0) << srv.describe();
  ASSERT_TRUE(wait_until([&] { return catches(pid, SIGTERM); }, 5000ms)) << srv.describe();

  {
    Conn c(port);
    ASSERT_TRUE(c.ok()) << c.error();
    auto cmd = [&](const std::vector<std::string>& args) {
      std::string line;
      for (const auto& a : args) line += a + " ";
      r->replies += line + "-> " + redis_command(c, args) + "\n";
    };
    cmd({"PING"});
    for (int i = 0; i < 150; ++i)
      cmd({"SET", "key:" + std::to_string(i), "value-" + std::to_string(i) + "-" + std::string(i % 40, 'v')});
    for (int i = 0; i < 150; i += 7) cmd({"GET", "key:" + std::to_string(i)});
    for (int i = 0; i < 40; ++i) cmd({"INCR", "counter"});
    cmd({"RPUSH", "list", "alpha", "beta", "gamma"});
    cmd({"LRANGE", "list", "0", "-1"});
    cmd({"HSET", "hash", "f1", "one", "f2", "two"});
    cmd({"HGET", "hash", "f2"});
    cmd({"SADD", "set", "x", "y", "z"});
    cmd({"SCARD", "set"});
    cmd({"DEL", "key:0", "key:1", "nosuchkey"});
    cmd({"GET", "nosuchkey"});
    cmd({"DBSIZE"});
    cmd({"NOSUCHCOMMAND", "x"});
  }

  // SIGTERM: redis saves (a save point is configured) and exits 0.
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_TRUE(srv.wait(10000ms)) << "redis-server " << mode_name(storm) << " did not exit on SIGTERM\n"
                                 << srv.describe();
  r->result = srv.result();
  if (storm) r->storm = srv.storm_result();
  r->dump = slurp(d + "/dump.rdb", &r->dump_ok);
  r->log = slurp(d + "/redis.log");
  if (r->dump_ok) {
    RunOptions check;
    check.timeout = 10000ms;
    r->check_rdb = run({"/usr/bin/redis-check-rdb", d + "/dump.rdb"}, check);
  }
}

TEST(Servers, RedisJemallocSavesDumpOnSigterm) {
  REQUIRE_SIGSTORM();
  if (access("/usr/bin/redis-server", X_OK) != 0) GTEST_SKIP() << "redis-server is not installed";

  RedisRun bare, storm;
  ASSERT_NO_FATAL_FAILURE(drive_redis(false, &bare));
  ASSERT_NO_FATAL_FAILURE(drive_redis(true, &storm));

  ASSERT_EQ(bare.result.shell_status(), 0) << bare.result.describe() << "\n" << bare.log;
  EXPECT_NE(bare.replies.find("PING -> +PONG\n"), std::string::npos) << bare.replies;
  EXPECT_NE(bare.replies.find("INCR counter -> :40\n"), std::string::npos) << bare.replies;
  EXPECT_NE(bare.replies.find("DBSIZE -> :152\n"), std::string::npos) << bare.replies;
  EXPECT_EQ(count_substr(bare.replies, "ERROR:"), 0) << bare.replies;

  ASSERT_NO_FATAL_FAILURE(expect_same_run(bare.result, storm.storm));
  EXPECT_EQ(storm.replies, bare.replies) << "replies differ under sigstorm";
  for (const RedisRun* run : {&bare, &storm}) {
    SCOPED_TRACE(run == &bare ? "bare" : "under sigstorm");
    // The handler ran and the shutdown saved the dump.
    EXPECT_NE(run->log.find("Received SIGTERM scheduling shutdown"), std::string::npos) << run->log;
    EXPECT_NE(run->log.find("Saving the final RDB snapshot before exiting"), std::string::npos) << run->log;
    EXPECT_NE(run->log.find("DB saved on disk"), std::string::npos) << run->log;
    ASSERT_TRUE(run->dump_ok) << "no dump.rdb\n" << run->log;
    EXPECT_EQ(run->dump.rfind("REDIS", 0), 0u);
    for (int i = 2; i < 150; i += 13) {
      EXPECT_NE(run->dump.find("key:" + std::to_string(i)), std::string::npos) << "key:" << i;
      EXPECT_NE(run->dump.find("value-" + std::to_string(i) + "-"), std::string::npos) << "value-" << i;
    }
    EXPECT_EQ(run->check_rdb.shell_status(), 0) << run->check_rdb.describe();
  }
  // The dumps carry a creation time and memory figures: compare their size
  // only, and the logs modulo numbers.
  EXPECT_EQ(storm.dump.size(), bare.dump.size());
  EXPECT_EQ(join_lines(redis_log_lines(storm.log)), join_lines(redis_log_lines(bare.log)))
      << "redis.log differs (modulo numbers)";
}

// ================================================================ preloaded allocators

// /bin/echo, and a python3 that churns the allocator, handles SIGUSR1 and
// tells whether the allocator is mapped, with LIB in LD_PRELOAD: sigstorm
// must keep LIB (its shim goes in front) and change nothing.
void expect_preloaded_allocator_transparent(const std::string& lib, const std::string& tag) {
  if (access(lib.c_str(), R_OK) != 0) GTEST_SKIP() << lib << " is not installed";
  RunOptions opt;
  opt.env_set = {{"LD_PRELOAD", lib}};
  opt.timeout = 15000ms;
  {
    SCOPED_TRACE("/bin/echo hi");
    Comparison c = run_both({"/bin/echo", "hi"}, opt);
    expect_transparent(c);
    EXPECT_EQ(c.bare.out, "hi\n") << c.bare.describe();
  }
  if (python().empty()) return;
  {
    SCOPED_TRACE("python3");
    const std::string script =
        "import os, signal, sys\n"
        "got = []\n"
        "signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))\n"
        "data = [str(i) * (i % 50) for i in range(100000)]\n"
        "os.kill(os.getpid(), signal.SIGUSR1)\n"
        "blob = {i: bytes(i % 300) for i in range(20000)}\n"
        "print('sizes', len(data), sum(map(len, data)), sum(map(len, blob.values())))\n"
        "print('usr1', got)\n"
        "with open('/proc/self/maps') as m:\n"
        "    print('mapped', any(sys.argv[1] in line for line in m))\n";
    Comparison c = run_both({python(), "-c", script, tag}, opt);
    expect_transparent(c);
    EXPECT_NE(c.bare.out.find("usr1 [10]\n"), std::string::npos) << c.bare.describe();
    EXPECT_NE(c.bare.out.find("mapped True\n"), std::string::npos) << c.bare.describe();
    if (c.storm.report_ok) {
      EXPECT_TRUE(c.storm.report.contains("processes") && c.storm.report["processes"].is_array() &&
                  !c.storm.report["processes"].empty())
          << "the shim was not loaded next to " << lib << "\n" << c.storm.describe();
    }
  }
}

TEST(Servers, TcmallocPreloadedProgramsBehaveAsBare) {
  REQUIRE_SIGSTORM();
  expect_preloaded_allocator_transparent("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", "tcmalloc");
}

TEST(Servers, MimallocPreloadedProgramsBehaveAsBare) {
  REQUIRE_SIGSTORM();
  expect_preloaded_allocator_transparent("/usr/lib/x86_64-linux-gnu/libmimalloc.so.2", "mimalloc");
}

TEST(Servers, JemallocPreloadedProgramsBehaveAsBare) {
  REQUIRE_SIGSTORM();
  expect_preloaded_allocator_transparent("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "jemalloc");
}

// ================================================================ memcached

struct MemcachedRun {
  RunResult result;
  SigstormRun storm;
  std::string replies;
};

void drive_memcached(bool storm, MemcachedRun* r) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  const int port = free_port();
  ASSERT_GT(port, 0);
  Background::Options o;
  o.storm = storm;
  std::vector<std::string> argv = {"/usr/bin/memcached", "-l", "127.0.0.1", "-p", std::to_string(port), "-U", "0",
                                   "-t", "2", "-m", "16"};
  if (geteuid() == 0) argv.insert(argv.end(), {"-u", "root"});  // it refuses root without -u
  Background srv(argv, dir.path, "memcached", o);
  ASSERT_TRUE(srv.started()) << srv.describe();
  ASSERT_TRUE(wait_for_port(port, [&] { return srv.alive(); }, 10000ms))
      << "memcached " << mode_name(storm) << " never listened on port " << port << "\n" << srv.describe();
  pid_t pid = srv.program_pid();
  ASSERT_GT(pid, 0) << srv.describe();
  ASSERT_TRUE(wait_until([&] { return catches(pid, SIGTERM); }, 5000ms))
      << "memcached " << mode_name(storm) << " never caught SIGTERM\n" << srv.describe();

  {
    Conn c(port);
    ASSERT_TRUE(c.ok()) << c.error();
    auto cmd = [&](const std::string& command) {
      std::string shown = command.substr(0, command.find("\r\n"));
      r->replies += shown + " -> " + memcached_command(c, command) + "\n";
    };
    for (int i = 0; i < 100; ++i) {
      std::string value = "value-" + std::to_string(i) + std::string(i % 30, 'm');
      cmd("set key" + std::to_string(i) + " " + std::to_string(i) + " 0 " + std::to_string(value.size()) + "\r\n" +
          value + "\r\n");
    }
    for (int i = 0; i < 100; i += 3) cmd("get key" + std::to_string(i) + "\r\n");
    cmd("get key1 key2 nosuchkey key3\r\n");
    cmd("set n 0 0 1\r\n5\r\n");
    for (int i = 0; i < 10; ++i) cmd("incr n 3\r\n");
    cmd("decr n 100\r\n");
    cmd("append key5 0 0 4\r\ntail\r\n");
    cmd("get key5\r\n");
    cmd("add key6 0 0 1\r\nx\r\n");
    cmd("delete key7\r\n");
    cmd("delete key7\r\n");
    cmd("get key7\r\n");
    cmd("incr nosuchkey 1\r\n");
    cmd("bogus\r\n");
  }

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  EXPECT_TRUE(srv.wait(10000ms)) << "memcached " << mode_name(storm) << " did not exit on SIGTERM\n"
                                 << srv.describe();
  r->result = srv.result();
  if (storm) r->storm = srv.storm_result();
}

TEST(Servers, MemcachedSetGetThenSigterm) {
  REQUIRE_SIGSTORM();
  if (access("/usr/bin/memcached", X_OK) != 0) GTEST_SKIP() << "memcached is not installed";

  MemcachedRun bare, storm;
  ASSERT_NO_FATAL_FAILURE(drive_memcached(false, &bare));
  ASSERT_NO_FATAL_FAILURE(drive_memcached(true, &storm));

  // Its SIGTERM handler ends the event loop: exit 0, not death by SIGTERM.
  ASSERT_EQ(bare.result.shell_status(), 0) << bare.result.describe();
  EXPECT_NE(bare.replies.find("set key0 0 0 7 -> STORED\r\n"), std::string::npos) << bare.replies;
  EXPECT_NE(bare.replies.find("get key3 -> VALUE key3 3 10\r\nvalue-3mmm\r\nEND\r\n"), std::string::npos)
      << bare.replies;
  EXPECT_NE(bare.replies.find("decr n 100 -> 0\r\n"), std::string::npos) << bare.replies;
  EXPECT_EQ(count_substr(bare.replies, "ERROR: "), 0) << bare.replies;

  ASSERT_NO_FATAL_FAILURE(expect_same_run(bare.result, storm.storm));
  EXPECT_EQ(storm.replies, bare.replies) << "replies differ under sigstorm";
}

// ================================================================ python3 + subprocess

// Installs a SIGTERM handler that prints "handled" and exits 3, runs
// `true` SUBPROCESSES times, writes the marker file argv[1], then sleeps
// (in one clock_nanosleep). Exits 1 when no signal came.
std::string python_sigterm_script(int subprocesses) {
  return "import signal, subprocess, sys, time\n"
         "def handler(signum, frame):\n"
         "    print('handled', signum, flush=True)\n"
         "    sys.exit(3)\n"
         "signal.signal(signal.SIGTERM, handler)\n"
         "for i in range(" + std::to_string(subprocesses) + "):\n"
         "    subprocess.run(['true'], check=True)\n"
         "print('ran', " + std::to_string(subprocesses) + ", 'subprocesses', flush=True)\n"
         "with open(sys.argv[1], 'w') as f:\n"
         "    f.write('ready\\n')\n"
         "time.sleep(5)\n"
         "print('not signalled', flush=True)\n"
         "sys.exit(1)\n";
}

// Runs the script; bare, and under sigstorm unless INJECT is set, the test
// sends SIGTERM to python once the marker exists. With INJECT, sigstorm's
// own injection sends it (and the test sends nothing).
void drive_python(bool storm, int subprocesses, const std::vector<std::string>& sigstorm_options, bool test_kills,
                  RunResult* result, SigstormRun* srun) {
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  write_file(dir.file("script.py"), python_sigterm_script(subprocesses));
  const std::string marker = dir.file("ready");
  Background::Options o;
  o.storm = storm;
  o.sigstorm_options = sigstorm_options;
  o.cwd = dir.path;
  Background proc({python(), dir.file("script.py"), marker}, dir.path, "python", o);
  ASSERT_TRUE(proc.started()) << proc.describe();
  if (test_kills) {
    pid_t pid = proc.program_pid();
    ASSERT_GT(pid, 0) << proc.describe();
    ASSERT_TRUE(wait_until([&] { return exists(marker) || !proc.alive(); }, 10000ms))
        << "the script never got ready " << mode_name(storm) << "\n" << proc.describe();
    ASSERT_TRUE(proc.alive()) << proc.describe();
    ASSERT_TRUE(catches(pid, SIGTERM)) << proc.describe();
    ASSERT_EQ(kill(pid, SIGTERM), 0);
  }
  EXPECT_TRUE(proc.wait(12000ms)) << "python " << mode_name(storm) << " did not exit\n" << proc.describe();
  *result = proc.result();
  if (storm) *srun = proc.storm_result();
}

void expect_python_handled(int subprocesses, const std::vector<std::string>& sigstorm_options, bool storm_test_kills) {
  if (python().empty()) GTEST_SKIP() << "python3 is not installed";
  RunResult bare, unused;
  SigstormRun storm;
  ASSERT_NO_FATAL_FAILURE(drive_python(false, subprocesses, {}, true, &bare, nullptr));
  ASSERT_NO_FATAL_FAILURE(drive_python(true, subprocesses, sigstorm_options, storm_test_kills, &unused, &storm));

  const std::string want = "ran " + std::to_string(subprocesses) + " subprocesses\nhandled 15\n";
  ASSERT_EQ(bare.out, want) << bare.describe();
  ASSERT_EQ(bare.shell_status(), 3) << bare.describe();
  expect_same_run(bare, storm);
  if (!storm_test_kills && storm.report_ok) {
    // sigstorm's injection, not the test, sent the SIGTERM.
    const json& inj = storm.report.value("injections", json::array());
    ASSERT_TRUE(inj.is_array() && inj.size() == 1) << storm.describe();
    EXPECT_EQ(inj[0].value("fired", -1), 1) << storm.describe();
  }
}

TEST(Servers, PythonSigtermHandlerAfterSubprocessRun) {
  REQUIRE_SIGSTORM();
  expect_python_handled(3, {}, true);
}

TEST(Servers, PythonSigtermHandlerAfterSubprocessRunInjected) {
  REQUIRE_SIGSTORM();
  // The first clock_nanosleep is time.sleep(5), after the subprocesses:
  // SIGTERM arrives there, and the sleep fails with EINTR as a real
  // signal would make it (Python runs its handler then).
  expect_python_handled(3, {"--inject", "TERM@call:clock_nanosleep,when=1,mode=eintr"}, false);
}

TEST(Servers, PythonSigtermHandlerWithoutSubprocess) {
  REQUIRE_SIGSTORM();
  // The control for the two above: no vfork/posix_spawn child at all.
  expect_python_handled(0, {}, true);
}

}  // namespace
