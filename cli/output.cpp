#include "cli/output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "inject/error.h"

namespace sigstorm::cli {

void check_log_path(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (slash + 1 == path.size()) throw Error("SIGSTORM_OPTIONS log_path='" + path + "': want a file name, not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error("SIGSTORM_OPTIONS log_path='" + path + "': " + dir + ": " + std::strerror(errno));
}

bool at_line_start(int fd) {
  // A regular file tells: its last byte. A terminal cannot, and the
  // program's last line may be unfinished there: start on a new line. A
  // pipe cannot either; what reads it gets the report as it is.
  struct stat st {};
  if (::fstat(fd, &st) != 0) return true;
  if (S_ISCHR(st.st_mode)) return !::isatty(fd);
  if (!S_ISREG(st.st_mode)) return true;
  if (st.st_size == 0) return true;
  char last = 0;
  return ::pread(fd, &last, 1, st.st_size - 1) == 1 && last == '\n';
}

bool write_all(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ >= 0) {
    created_ = true;
    return;
  }
  if (errno == EEXIST) fd_ = ::open(path_.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd_ < 0) {
    const int err = errno;
    if (err == ELOOP) throw Error(path_ + ": is a symbolic link; refusing to write the report through it");
    throw Error(path_ + ": cannot write the report: " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw Error(path_ + ": is a directory");
  }
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (created_ && !committed_) ::unlink(path_.c_str());
}

void OutputFile::commit(const std::string& content) {
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && ::ftruncate(fd_, 0) != 0)
    throw Error(path_ + ": cannot truncate: " + std::strerror(errno));
  if (!write_all(fd_, content) || ::close(fd_) != 0) {
    const int err = errno;
    fd_ = -1;
    throw Error(path_ + ": cannot write the report: " + std::strerror(err));
  }
  fd_ = -1;
  committed_ = true;
}

void write_report_to(std::optional<OutputFile>& out, const std::string& text) {
  if (out) out->commit(text);
  else write_all(STDERR_FILENO, (at_line_start(STDERR_FILENO) ? "" : "\n") + text);
}

}  // namespace sigstorm::cli
