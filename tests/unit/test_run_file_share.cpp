// The run file's socket (inject/run/run_file_share.h): processes of the run get
// the file's descriptor; a process elsewhere in the tree gets none.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "inject/run/run_file.h"
#include "inject/run/run_file_share.h"

namespace {

using namespace sigstorm;

// What the shim does (preload/init.cpp): 1 when a descriptor of the run
// file came back, 0 when the CLI answered without one, -1 on no answer.
int ask(const std::string& run_file, ino_t want) {
  const int s = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const uint32_t len = wire::run_socket_name(run_file.c_str(), addr.sun_path);
  if (::connect(s, reinterpret_cast<sockaddr*>(&addr), offsetof(sockaddr_un, sun_path) + len) != 0) {
    ::close(s);
    return -1;
  }
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
  ::close(s);
  if (n < 0) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return 0;
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  struct stat st {};
  const bool same = ::fstat(fd, &st) == 0 && st.st_ino == want;
  ::close(fd);
  return same ? 1 : -1;
}

TEST(RunFileShare, DescendantsGetTheFileStrangersDoNot) {
  RunFile rf = RunFile::create(wire::Config{});
  struct stat st {};
  ASSERT_EQ(::stat(rf.path().c_str(), &st), 0);
  RunFileShare share(rf);

  EXPECT_EQ(ask(rf.path(), st.st_ino), 1) << "the CLI's own process";

  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // A grandchild, orphaned: no longer below this test's process.
    const pid_t mid = ::getpid();
    if (::fork() == 0) {
      const int below = ask(rf.path(), st.st_ino);
      for (int i = 0; i < 500 && ::getppid() == mid; ++i) ::usleep(2000);
      const int orphan = ask(rf.path(), st.st_ino);
      const char out[2] = {static_cast<char>('1' + below), static_cast<char>('1' + orphan)};
      ssize_t unused = ::write(pipefd[1], out, 2);
      (void)unused;
      _exit(0);
    }
    ::usleep(50000);  // the grandchild asks once while still below us
    _exit(0);
  }
  ::close(pipefd[1]);
  int status;
  ::waitpid(child, &status, 0);
  char got[2] = {0, 0};
  ASSERT_EQ(::read(pipefd[0], got, 2), 2);
  ::close(pipefd[0]);
  EXPECT_EQ(got[0], '2') << "a process of the run gets the file";
  EXPECT_EQ(got[1], '1') << "a process outside the run is answered without it";
}

TEST(RunFileShare, DescendsFrom) {
  EXPECT_TRUE(descends_from(::getpid(), ::getpid()));
  EXPECT_TRUE(descends_from(::getpid(), ::getppid()));
  EXPECT_FALSE(descends_from(::getppid(), ::getpid()));
  EXPECT_FALSE(descends_from(1, ::getpid()));
}

}  // namespace
