// The run file (inject/wire/record_format.h) from the CLI's side: create it,
// fill in the Config, read it back after the run, remove it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "inject/wire/record_format.h"

namespace sigstorm {

class RunFile {
 public:
  // Creates the file under $TMPDIR, else /tmp (mkostemp: a name no one
  // can guess, O_EXCL, 0600), sizes it to wire::kFileSize, maps it shared
  // and writes magic, version, header_size and config (with the machine's
  // xsave_area, inject/wire/xsave.h).
  // Throws sigstorm::Error.
  static RunFile create(const wire::Config& config);

  RunFile(RunFile&& other) noexcept;
  RunFile& operator=(RunFile&& other) noexcept;
  RunFile(const RunFile&) = delete;
  RunFile& operator=(const RunFile&) = delete;
  ~RunFile();  // remove()

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

  // The header as the run left it, after checking that the file still has
  // its size, magic, version and header_size. Throws sigstorm::Error.
  const wire::Header& read() const;

  // Unmaps, closes, deletes the file. Idempotent.
  void remove();

 private:
  RunFile() = default;
  std::string path_;
  int fd_ = -1;
  wire::Header* header_ = nullptr;
};

// Throws sigstorm::Error when the header is not one this build wrote.
void check_header(const wire::Header& header);

// Reading and reusing the run memory (a run file, or the fuzz harness's
// anonymous mapping), the same way everywhere:
// the records that are complete (kReady), from index `first` on;
std::vector<const wire::Record*> ready_records(const wire::Header& header, uint32_t first = 0);
// a record's kind when it is one this build knows;
std::optional<wire::Kind> record_kind(const wire::Record& record);
// back to an empty run with `config` (modules stay: the same files keep
// their indexes from run to run).
void reset_run(wire::Header& header, const wire::Config& config);

}  // namespace sigstorm
