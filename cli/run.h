// `sigstorm run`: everything after the command line has been parsed.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "inject/wire/record_format.h"
#include "inject/report/report.h"

namespace sigstorm::cli {

struct RunOptions {
  std::vector<std::string> injects;       // raw specs, in order
  std::optional<std::string> checks;      // raw --check list
  std::optional<std::string> report_path;
  std::optional<std::string> format;
  std::optional<std::string> seed;
  std::string hang_timeout = "2s";
  std::optional<std::string> timeout;
  std::string error_exitcode = "66";
  std::optional<std::string> time_scale;
  std::string policy = "posix";
  std::vector<std::string> command;       // PROGRAM ARGS...
};

// Validates everything, runs the program, writes the report. Returns the
// exit status. Throws sigstorm::Error (exit 2) before the program starts.
int run(const RunOptions& options);

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

// Is the next byte written to fd at the start of a line? A regular file
// tells by its last byte; a terminal is taken as mid-line, a pipe as not.
bool at_line_start(int fd);

// Writes all of `content` to fd, retrying on EINTR and short writes.
bool write_all(int fd, const std::string& content);

}  // namespace sigstorm::cli
