// Where sigstorm's own output goes: report files (never through a symlink,
// never half-written), stderr, stdout.
#pragma once
#include <optional>
#include <string>

namespace sigstorm::cli {

// The report file of `run` and the output of `report`: refuses symlinks.
class OutputFile {
 public:
  // Opens (O_NOFOLLOW|O_CLOEXEC, 0644) without truncating, so that a run
  // that fails leaves an existing file alone. Throws sigstorm::Error.
  explicit OutputFile(std::string path);
  ~OutputFile();  // removes the file if it was created and never committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  // Replaces the contents. Throws sigstorm::Error.
  void commit(const std::string& content);

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  bool committed_ = false;
};

// SIGSTORM_OPTIONS log_path: its directory must exist and be writable
// before the program starts (the file is PATH.PID). Throws sigstorm::Error.
void check_log_path(const std::string& path);

// Is the next byte written to fd at the start of a line? A regular file
// tells by its last byte; a terminal is taken as mid-line, a pipe as not.
bool at_line_start(int fd);

// Writes all of `content` to fd, retrying on EINTR and short writes.
bool write_all(int fd, const std::string& content);

// The report: into OUT when given, else to stderr, on a line of its own.
void write_report_to(std::optional<OutputFile>& out, const std::string& text);

}  // namespace sigstorm::cli
