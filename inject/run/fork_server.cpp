#include "inject/run/fork_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "inject/error.h"
#include "inject/wire/fork_server.h"

namespace sigstorm {
namespace {

// How long a request may take before the server counts as gone: a fork,
// or the status of a copy that was just sent SIGKILL.
constexpr int kAnswerMs = 10000;

// What sigstorm itself passes on to every run (descriptors it inherited
// without close-on-exec): shared by exec'd runs too, so not the program's
// doing at the fork point.
std::vector<int> passed_descriptors() {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    try {
      fd = std::stoi(e.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    const int flags = fd > 2 ? fcntl(fd, F_GETFD) : -1;
    if (flags >= 0 && !(flags & FD_CLOEXEC) && out.size() < wire::kForkServerInheritedMax) out.push_back(fd);
  }
  return out;
}

}  // namespace

ForkServer::ForkServer(RunFile& run_file, const SignalGate& gate, SupervisorOptions options)
    : server_(run_file, gate, options) {}

ForkServer::~ForkServer() {
  if (ctl_ >= 0) close(ctl_);  // EOF: an idle server exits by itself
  server_.stop();
}

std::string ForkServer::start(const std::string& path, const std::vector<std::string>& argv,
                              std::vector<std::string> env, const std::string& display, uint64_t timeout_ns) {
  // One socket both ways: a write to a server that is gone fails with EPIPE
  // (MSG_NOSIGNAL) instead of killing sigstorm with SIGPIPE.
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    throw Error(std::string("socketpair: ") + std::strerror(errno));
  std::string var = std::string(wire::kEnvForkServer) + "=" + std::to_string(sv[1]) + "," + std::to_string(sv[1]);
  for (int fd : passed_descriptors()) var += "," + std::to_string(fd);
  env.push_back(var);
  const ExecImage image(path, argv, env);
  server_.keep_fd(sv[1]);
  try {
    server_.start(image, display);
  } catch (...) {
    close(sv[0]);
    close(sv[1]);
    throw;
  }
  close(sv[1]);
  ctl_ = status_ = sv[0];
  alive_ = true;
  header_ = &server_.run_file().read();

  int32_t hello = -1;
  const int ms = static_cast<int>(std::clamp<uint64_t>(timeout_ns / 1'000'000ull, 1, 600'000));
  read_int(&hello, ms);
  if (!alive_) return gone_;
  if (hello < 0) {
    lost("the program did not stop at the shim's fork point within " + std::to_string(ms / 1000) + "s");
    return gone_;
  }
  if (hello == 0) return "";
  std::string why(std::min<uint32_t>(static_cast<uint32_t>(hello), wire::kForkServerReasonMax), '\0');
  size_t got = 0;
  while (got < why.size()) {
    pollfd p{status_, POLLIN, 0};
    if (::poll(&p, 1, kAnswerMs) <= 0) break;
    const ssize_t n = recv(status_, why.data() + got, why.size() - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  why.resize(got);
  lost(why);
  return why;
}

bool ForkServer::read_int(int32_t* v, int timeout_ms) {
  if (!alive_) return false;
  if (timeout_ms) {
    pollfd p{status_, POLLIN, 0};
    int r;
    do r = ::poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) return false;
  }
  // The server writes each int32 whole: it arrives whole or not yet.
  ssize_t n;
  do n = recv(status_, v, sizeof *v, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof *v)) return true;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
  lost(n == 0 ? "the program did not stop at the shim's fork point, or the fork server ended"
              : std::string("reading from the fork server: ") + std::strerror(errno));
  return false;
}

void ForkServer::lost(const std::string& why) {
  if (!alive_) return;
  alive_ = false;
  gone_ = why;
  server_.stop();
  if (ctl_ >= 0) close(ctl_);
  ctl_ = status_ = -1;
}

bool ForkServer::spawn() {
  if (!alive_) return false;
  const int32_t request = 1;
  if (send(ctl_, &request, sizeof request, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof request)) {
    lost("the fork server ended");
    return false;
  }
  return true;
}

pid_t ForkServer::copy_pid() const { return __atomic_load_n(&header_->config.copy_pid, __ATOMIC_ACQUIRE); }

std::optional<int> ForkServer::poll() {
  int32_t status = 0;
  if (read_int(&status, 0)) {
    if (status >= 0) return status;
    lost("the fork server could not fork: " + std::string(std::strerror(-status)));
  }
  if (!alive_) return SIGKILL;  // the copy's fate is unknown: it was killed with its server's end
  return std::nullopt;
}

int ForkServer::wait() {
  int32_t status = 0;
  if (read_int(&status, kAnswerMs) && status >= 0) return status;
  if (alive_) lost("the fork server did not report a killed copy");
  return SIGKILL;
}

}  // namespace sigstorm
