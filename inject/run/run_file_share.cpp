#include "inject/run/run_file_share.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <string>

namespace sigstorm {

bool descends_from(pid_t pid, pid_t ancestor) {
  for (int depth = 0; pid > 1 && depth < 4096; ++depth) {
    if (pid == ancestor) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const size_t close = line.rfind(')');
    if (close == std::string::npos) return false;
    // ") S PPID ...": the state, then the parent.
    pid_t ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %*c %d", &ppid) != 1) return false;
    pid = ppid;
  }
  return pid == ancestor;
}

bool send_fd(int sock, std::string_view body, int fd) {
  iovec iov{const_cast<char*>(body.data()), body.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0;
}

RunFileShare::RunFileShare(const RunFile& run_file, pid_t root)
    : run_file_(run_file), root_(root ? root : ::getpid()) {
  listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const uint32_t len = wire::run_socket_name(run_file.path().c_str(), addr.sun_path);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), offsetof(sockaddr_un, sun_path) + len) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::pipe2(stop_fd_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  // pthread_create, not std::thread: std::thread's state is freed by the
  // new thread, and that first free() gives it a malloc arena of its own
  // (a 128 MiB reservation, three more system calls, its pages) in every
  // run; this thread allocates only when a process connects.
  started_ = ::pthread_create(&thread_, nullptr, serve_thread, this) == 0;
}

void* RunFileShare::serve_thread(void* self) {
  static_cast<RunFileShare*>(self)->serve();
  return nullptr;
}

RunFileShare::~RunFileShare() {
  if (started_) {
    const char c = 0;
    ssize_t unused = ::write(stop_fd_[1], &c, 1);
    (void)unused;
    ::pthread_join(thread_, nullptr);
  }
  for (int fd : {listen_fd_, stop_fd_[0], stop_fd_[1]})
    if (fd >= 0) ::close(fd);
}

void RunFileShare::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    ucred peer{};
    socklen_t plen = sizeof peer;
    const bool ours = ::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &plen) == 0 &&
                      descends_from(peer.pid, root_) && run_file_.fd() >= 0;
    send_fd(conn, std::string_view("", 1), ours ? run_file_.fd() : -1);  // no descriptor: refused
    ::close(conn);
  }
}

}  // namespace sigstorm
