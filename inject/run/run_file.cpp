#include "inject/run/run_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

#include "inject/error.h"
#include "inject/run/process_ledger.h"
#include "inject/run/supervisor.h"  // monotonic_ns
#include "inject/wire/xsave.h"

namespace sigstorm {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Measured once: every process of the run (and every run of a fuzz job)
// reads it instead of asking CPUID.
wire::Config with_machine(wire::Config config) {
  static const uint32_t xsave = wire::xsave_area_size() + 1;
  config.xsave_area = xsave;
  return config;
}

}  // namespace

RunFile RunFile::create(const wire::Config& config) {
  if (config.injection_count > wire::kMaxInjections)
    throw Error("too many --inject specs (at most " + std::to_string(wire::kMaxInjections) + ")");
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp && *tmp) ? tmp : "/tmp";
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  // The file itself, not a file in a private directory: 0600 keeps other
  // users out as well, and a directory cost a run of `true` more than the
  // file (mkdir and rmdir on ext4: an inode, a block to allocate and free,
  // with `discard` a synchronous discard: 90-150 us against 8-11 us here).
  std::string templ = base + "/sigstorm.XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  RunFile rf;
  rf.fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
  if (rf.fd_ < 0) {
    const int err = errno;
    throw Error("cannot create the run file " + templ + ": " + errno_text(err));
  }
  rf.path_ = buf.data();
  if (::ftruncate(rf.fd_, static_cast<off_t>(wire::kFileSize)) != 0) {
    const int err = errno;
    throw Error("cannot size the run file " + rf.path_ + ": " + errno_text(err));
  }
  void* p = ::mmap(nullptr, wire::kFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, rf.fd_, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    throw Error("cannot map the run file " + rf.path_ + ": " + errno_text(err));
  }
  // No readahead: the file is sparse, and a fault on a file system such as
  // ext4 would otherwise read (allocate and zero) a whole window of pages
  // around the one touched, and unlink would evict them all again: most of
  // what `sigstorm run -- true` cost. Only touched pages come in.
  ::madvise(p, wire::kFileSize, MADV_RANDOM);
  // The file is all zeros after ftruncate: a valid, empty Header for every
  // field (atomics included), as the shim reads it too. Constructing it
  // (value-initialising 7 MB) would write every page of it for nothing:
  // two thirds of what `sigstorm run -- true` cost.
  rf.header_ = std::launder(static_cast<wire::Header*>(p));
  rf.header_->magic = wire::kMagic;
  rf.header_->version = wire::kVersion;
  rf.header_->header_size = sizeof(wire::Header);
  rf.header_->config = with_machine(config);
  rf.header_->start_ns = monotonic_ns();
  return rf;
}

RunFile::RunFile(RunFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      header_(std::exchange(other.header_, nullptr)) {
  other.path_.clear();
}

RunFile& RunFile::operator=(RunFile&& other) noexcept {
  if (this != &other) {
    remove();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    header_ = std::exchange(other.header_, nullptr);
    other.path_.clear();
  }
  return *this;
}

RunFile::~RunFile() { remove(); }

const wire::Header& RunFile::read() const {
  if (!header_ || fd_ < 0) throw Error("the run file is gone");
  // A program could have truncated the file: touching pages past its end
  // would raise SIGBUS, so look at its size first.
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw Error("cannot stat the run file " + path_ + ": " + errno_text(errno));
  if (static_cast<size_t>(st.st_size) < wire::kFileSize)
    throw Error("the run file " + path_ + " was truncated during the run (" +
                std::to_string(st.st_size) + " bytes, want " + std::to_string(wire::kFileSize) + ")");
  check_header(*header_);
  return *header_;
}

void RunFile::remove() {
  if (header_) {
    ::munmap(header_, wire::kFileSize);
    header_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!path_.empty()) {
    ::unlink(path_.c_str());
    path_.clear();
  }
}

std::vector<const wire::Record*> ready_records(const wire::Header& header, uint32_t first) {
  std::vector<const wire::Record*> out;
  // Records are claimed in index order (Header::next_record): nothing lies past it.
  const uint32_t end = std::min(header.next_record.load(std::memory_order_acquire), wire::kMaxRecords);
  for (uint32_t i = first; i < end; ++i)
    if (header.records[i].state.load(std::memory_order_acquire) == wire::kReady) out.push_back(&header.records[i]);
  return out;
}

std::optional<wire::Kind> record_kind(const wire::Record& r) {
  if (r.kind == 0 || r.kind >= wire::kKindCount) return std::nullopt;
  return static_cast<wire::Kind>(r.kind);
}

void reset_run(wire::Header& h, const wire::Config& config) {
  const uint32_t nr = std::min(h.next_record.load(), wire::kMaxRecords);
  for (uint32_t i = 0; i < nr; ++i) h.records[i].state.store(wire::kFree, std::memory_order_relaxed);
  h.next_record.store(0);
  const uint32_t np = std::min(h.next_process.load(), wire::kMaxProcesses);
  for (uint32_t i = 0; i < np; ++i) h.processes[i].state.store(wire::kFree, std::memory_order_relaxed);
  clear_processes(h, np);
  h.next_process.store(0);
  for (wire::Active& a : h.active) {
    a.since_ns.store(0, std::memory_order_relaxed);
    a.tid.store(0, std::memory_order_relaxed);
    a.function.store(-1, std::memory_order_relaxed);
  }
  h.dropped_records.store(0);
  h.dropped_processes.store(0);
  const uint64_t ne = std::min<uint64_t>(h.events_seen.load(), wire::kMaxEvents);
  for (uint64_t i = 0; i < ne; ++i) h.events[i].seq.store(0, std::memory_order_relaxed);
  h.events_seen.store(0);
  h.start_ns = monotonic_ns();
  std::memset(reinterpret_cast<void*>(h.interleavings), 0, sizeof h.interleavings);
  h.config = with_machine(config);
}

void check_header(const wire::Header& header) {
  if (header.magic != wire::kMagic) throw Error("the run file has a bad magic number (overwritten during the run?)");
  if (header.version != wire::kVersion)
    throw Error("the run file has version " + std::to_string(header.version) + ", want " +
                std::to_string(wire::kVersion));
  if (header.header_size != sizeof(wire::Header))
    throw Error("the run file's header is " + std::to_string(header.header_size) + " bytes, want " +
                std::to_string(sizeof(wire::Header)) + " (libsigstorm.so and sigstorm are from different builds)");
}

}  // namespace sigstorm
