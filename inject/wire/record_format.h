// The run file: the only channel between the CLI and libsigstorm.so.
//
// The CLI creates one file per run, writes the Config, and passes its path in
// SIGSTORM_RUN_FILE. Every process of the run maps it MAP_SHARED and writes
// findings straight into it with atomics. Nothing is buffered in the process
// and no descriptor is kept open, so findings survive crashes, _exit, exec,
// SIGKILL and programs that close every descriptor. The CLI reads it after the
// run. Plain data only: the shim may not allocate or throw.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace sigstorm::wire {

constexpr uint32_t kMagic = 0x4d545347;  // "GSTM"
constexpr uint32_t kVersion = 2;  // 2: what a process touches at start-up moved to the first page

constexpr uint32_t kMaxFrames = 40;
constexpr uint32_t kMaxRecords = 4096;
constexpr uint32_t kMaxModules = 1024;
constexpr uint32_t kModulePathLen = 252;
constexpr uint32_t kMaxProcesses = 512;
constexpr uint32_t kMaxInjections = 32;
constexpr uint32_t kMaxFunctions = 256;
constexpr uint32_t kSignalSlots = 65;  // indexed by signal number, 1..64
constexpr uint32_t kSpecTextLen = 120;
constexpr uint32_t kSymbolLen = 128;  // Record::symbol, with its NUL (longer names are cut)

// Functions are named by their row of inject/wire/functions.def everywhere
// (the shim's FnId, the engine's function_index), -1 for none; a call:*
// injection has -1 too.

// Finding kinds (inject/wire/kinds.def). Values are part of the file format.
enum Kind : uint32_t {
#define SIGSTORM_KIND(id, ident, ...) ident = id,
#include "inject/wire/kinds.def"
  kKindEnd,
};
constexpr uint32_t kKindCount = kKindEnd;  // one past the last kind

// One bit per check in Config::checks: bit (kind - 1).
constexpr uint32_t check_bit(Kind k) { return 1u << (k - 1); }
constexpr uint32_t kAllChecks = (1u << (kKindCount - 1)) - 1;

enum Policy : uint32_t { kPolicyPosix = 0, kPolicyLinux = 1 };

// Frame::module is 1 + an index into Header modules, or 0 when the address
// could not be placed in a mapped file (then offset is the absolute address).
enum FrameFlags : uint32_t {
  kFrameSignal = 1,     // a signal interrupted this frame here (exact pc): a
                        // handler ran on top of it ("<signal handler called>")
  kFrameCallsite = 2,   // a return address: symbolize offset - 1
};

struct Frame {
  uint64_t offset;  // file offset within the module (not a virtual address)
  uint32_t module;
  uint32_t flags;
};

struct Module {
  std::atomic<uint32_t> ready;
  char path[kModulePathLen];
};

enum RecordState : uint32_t { kFree = 0, kWriting = 1, kReady = 2, kEnded = 3 };
// Process::execing while an exec runs. kExecSlot: the main thread holds a
// slot of Header::active, which exec (same pid, same tid) leaves behind for
// the next image to release; without it that image reads none of the table.
enum ExecMark : uint32_t { kExecNone = 0, kExecPlain = 1, kExecSlot = 2 };

struct Record {
  std::atomic<uint32_t> state;
  uint32_t kind;
  int32_t pid;
  int32_t tid;
  int32_t signal;        // the signal whose handler was running
  int32_t aux_signal;    // handler-crash: the fatal signal; reentrancy: the nested signal
  int32_t errno_before;  // errno-clobber
  int32_t errno_after;
  int32_t function;      // row of inject/wire/functions.def, -1 if none
  uint32_t nframes;
  Frame handler;         // the program's handler function
  std::atomic<uint64_t> count;
  uint64_t first_ns;     // CLOCK_MONOTONIC when it was first seen (the timeline's mark)
  Frame frames[kMaxFrames];  // innermost first
  // unsafe-call found by the audit library (libsigstorm-audit.so): the called
  // function as the handler's object names it (mangled; function is -1);
  // empty for a functions.def row.
  char symbol[kSymbolLen];
  // unsafe-call: the functions.def rows the call itself went on to call
  // (strsignal calls malloc): bit per row.
  std::atomic<uint64_t> inner[kMaxFunctions / 64];
  uint64_t value;        // default-action: the timer's duration as the program asked (ns)
};

enum PointKind : uint32_t { kPointCall = 1, kPointAfter, kPointEvery, kPointHandler };
// kTargetChildren and kTargetNamed pick the processes a spec fires in (every
// process but the one sigstorm started; those whose program is named
// Injection::target_name), and go to that process's main thread.
enum Target : uint32_t { kTargetDefault = 0, kTargetSelf, kTargetMain, kTargetProcess, kTargetChildren, kTargetNamed };
constexpr uint32_t kTargetNameLen = 32;
enum Mode : uint32_t { kModeSignal = 0, kModeEintr = 1 };
// after:/every: clocks start at process start, or once the signal can no
// longer end the process by its default action (a handler or SIG_IGN is
// installed, or the signal is ignored by default).
enum From : uint32_t { kFromStart = 0, kFromHandler = 1 };
// Injection::flags.
enum InjectionFlags : uint32_t {
  // max= was set by sigstorm, not the user: mode=eintr at every call of a
  // function would never let a retry-on-EINTR loop finish.
  kInjImplicitMax = 1,
};
// The implicit max= of such a spec.
constexpr uint64_t kEintrRetryGuard = 10000;

// A parsed --inject SPEC. The CLI parses; the shim only reads this.
struct Injection {
  char text[kSpecTextLen];
  int32_t signal;
  uint32_t point;           // PointKind
  int32_t function;         // call: row of functions.def, -1 for call:*
  int32_t handler_signal;   // handler:SIG
  uint64_t duration_ns;     // after:/every:
  uint64_t when_first;      // 1-based; 1 when not given
  uint64_t when_last;       // 0: no upper bound
  uint64_t when_step;       // 0: only the listed range, without '+'
  uint32_t when_plus;       // 1 when a '+' was given
  uint32_t p_scaled;        // probability * 2^32 (saturated); 0xffffffff is 1
  uint32_t target;          // Target
  uint32_t mode;            // Mode
  uint64_t max;             // 0: unlimited
  uint32_t from;            // From (after:/every:)
  uint32_t flags;           // InjectionFlags
  char target_name[kTargetNameLen];  // kTargetNamed: the program's file name (target=exe:NAME)
};

// Config::fuzz flags.
// Config::flags.
enum ConfigFlags : uint32_t {
  // --no-follow-children: the program sigstorm started is checked; what it
  // execs runs without the shim (the shim leaves the environment as bare).
  kNoFollowChildren = 1,
  // Bare LD_PRELOAD (no CLI): a hidden `sigstorm __watch` made the run file
  // and reports each process as it ends (preload/bare.cpp, cli/watch.cpp).
  kBare = 2,
};

enum FuzzFlags : uint32_t {
  kFuzzArmAll = 1,     // every call point counts its hits (Process::calls), injections or not
  kFuzzCoverage = 2,   // handler entries bump Header::interleavings
};

// Interleaving coverage: one counter per hashed (handler signal, what it
// interrupted: interposed call and call site, or an outer handler) pair, and
// per (handler signal, interposed call made inside it) pair.
constexpr uint32_t kInterleavings = 8192;

struct Config {
  uint32_t checks;          // check_bit() mask
  uint32_t policy;          // Policy
  uint64_t seed;
  uint64_t hang_timeout_ns;
  double time_scale;        // 1.0: leave the program's timers alone
  uint32_t injection_count;
  // wire::xsave_area_size() + 1, as the CLI measured it (inject/wire/xsave.h);
  // 0: not measured (the shim's own run memory, the in-process harness): a
  // process that needs it asks CPUID itself.
  uint32_t xsave_area;
  // The CLI's pid: the process it started is the one whose parent this is.
  // after:/every: timers run in that process only, not in its children.
  int32_t cli_pid;
  // Records the shim may use; 0 means kMaxRecords. Smaller only in tests
  // (SIGSTORM_RECORD_LIMIT), to see the "dropped" path without 4096 findings.
  uint32_t record_limit;
  // Fuzzing (`sigstorm fuzz`, the in-process harness): FuzzFlags.
  uint32_t fuzz;
  uint32_t flags;           // ConfigFlags
  // `sigstorm fuzz`'s fork server (inject/wire/fork_server.h), 0 without:
  // its children are the runs' copies of the program, started by the CLI
  // as far as target= and after:/every: are concerned.
  int32_t server_pid;
  // Set by the fork server as it forks the run's copy (its pid), so that
  // sigstorm can kill it without waiting for a message.
  int32_t copy_pid;  // written and read with __atomic builtins (Config is copied)
  // kBare: the process the run began in (it has no CLI parent: after:/every:
  // fire there), and the exit status a process takes when its report had an
  // error finding (-1: its own status, unchanged).
  int32_t bare_root_pid;
  int32_t bare_exitcode;
  // --expect-exit: once one of exit_signals (bit sig - 1) reached the
  // program, its tree must end within expect_exit_ns (0: not asked).
  uint64_t expect_exit_ns;
  uint64_t exit_signals;
  // Last: every process reads the fields above at start-up, these only
  // when there are specs (Header keeps the above on its first page).
  Injection injections[kMaxInjections];
};

// A process of the run. The run may start any number of processes: the CLI
// takes each ended process's entry out (its counts go to the report) and
// frees the slot for the next one. kReady: the process may still run;
// kEnded: the shim says it is gone (it exec'd under another pid's entry, or
// its pid was taken by a new process of the run).
struct Process {
  std::atomic<uint32_t> state;  // RecordState
  int32_t pid;
  int32_t ppid;
  uint32_t images;              // how many program images ran in it (exec keeps the entry)
  std::atomic<uint32_t> execing;  // set by the exec wrappers while exec runs: the next
                                  // image of this pid takes the entry over (ExecMark)
  // kBare: the process asks for its report as it exits and waits for it
  // (futex on this word): ReportState.
  std::atomic<uint32_t> report;
  // Signals whose kernel disposition is one of the shim's handlers (bit
  // sig - 1). The CLI compares it with /proc/PID/status SigCgt: a caught
  // signal missing here was installed with a raw rt_sigaction, unchecked.
  // Up here with what a process writes as it starts (SIGPIPE's catcher):
  // one page of the entry, not two.
  std::atomic<uint64_t> expected_caught;
  char exe[kModulePathLen];
  std::atomic<uint64_t> fired[kMaxInjections];
  std::atomic<uint64_t> calls[kMaxFunctions];  // hits per functions.def row
  // from=handler specs whose clock started in this process (bit per spec).
  std::atomic<uint32_t> started;
  uint32_t reserved2;
  // Proof that the handlers ran: per signal, how often the program's
  // handler ran, how often that was at an interposed call (a call:
  // injection delivered it there) and which calls those were, and the
  // handler itself, placed the first time it ran.
  std::atomic<uint64_t> handled[kSignalSlots];
  std::atomic<uint64_t> handled_at_call[kSignalSlots];
  std::atomic<uint64_t> handled_in_syscall[kSignalSlots];  // else: the signal interrupted a system call
  std::atomic<uint64_t> interrupted[kSignalSlots][kMaxFunctions / 64];  // bit per functions.def row
  std::atomic<uint64_t> handler_placed;                                 // bit sig - 1
  Frame handler_frame[kSignalSlots];
  // --expect-exit: when one of Config::exit_signals first reached one of the
  // program's handlers (CLOCK_MONOTONIC), and which signal.
  std::atomic<uint64_t> exit_signal_ns;
  std::atomic<int32_t> exit_signal;
  uint32_t reserved3;
};

// The timeline of the report: what happened when. A fixed array of events,
// each claimed whole by one writer: the first kMaxEvents events take the
// slots in order; after that each event replaces a random slot with
// probability kMaxEvents / (events so far), so the array stays a uniform
// sample of the whole run (reservoir sampling) and Header::events_seen
// says how many there were. Findings are not events: a Record carries
// the time it was first seen.
constexpr uint32_t kMaxEvents = 16384;
enum EventKind : uint8_t {
  kEventInjection = 1,  // a spec sent its signal (tid: the thread it went to; 0: the process)
  kEventHandler = 2,    // the signal arrived at the trampoline; the handler ran
};
// Event::function beside a functions.def row: what the handler interrupted.
constexpr int16_t kInterruptedNothing = -1;     // running code (or not known)
constexpr int16_t kInterruptedSyscall = -2;     // a system call outside the interposed functions
struct Event {
  // 0: empty; odd: being written; else 2 * (event number + 1). A writer
  // claims the slot by a CAS from the even value it saw to that value + 1,
  // and gives up the event when that fails: a slot is never written by two.
  std::atomic<uint64_t> seq;
  uint64_t t_ns;               // CLOCK_MONOTONIC: sent, or arrived at the trampoline
  std::atomic<uint64_t> end_ns;  // handler: returned; 0 while running, or never returned
  uint32_t enter_ns;           // handler: arrival -> the program's handler called (saturating)
  int32_t pid;
  int32_t tid;
  uint8_t kind;                // EventKind
  uint8_t signal;
  uint8_t depth;               // handler: handlers already running on the thread
  uint8_t reserved;
  int16_t function;            // handler: functions.def row interrupted, or kInterrupted*
  uint16_t spec;               // injection: index into Config::injections
};
// Process::report in a bare run.
enum ReportState : uint32_t { kReportNone = 0, kReportAsked = 1, kReportDone = 2, kReportDoneErrors = 3 };

constexpr uint32_t kMaxActive = 512;

// A thread running a handler, published for the CLI's hang watchdog: the
// shim's own threads could hang with the program, the CLI cannot.
struct Active {
  std::atomic<uint64_t> since_ns;  // CLOCK_MONOTONIC at handler entry; 0: idle
  std::atomic<int32_t> tid;        // owner thread; 0: slot free
  int32_t pid;
  int32_t signal;
  std::atomic<int32_t> function;   // row of the interposed call in progress, -1: none
  uint64_t handler;                // absolute address (symbolized via a Record)
  // Handlers of fatal signals only: the handler placed at entry. A process
  // that dies of that signal with the handler never returned (left by
  // longjmp with the signal blocked) leaves nothing the CLI could place.
  Frame handler_frame;
};

// The probe signal: the watchdog sends it to a hung thread, whose stack the
// shim then records as a handler-hang finding.
constexpr int kProbeSignalFromMax = 0;  // SIGRTMAX - this
// The same signal queued (SI_QUEUE) with this value asks the thread for its
// stack as a no-exit finding, whatever it runs.
constexpr int kProbeNoExit = 0x6e6f6578;  // "noex"

// A stack the shim cannot walk itself, given as text: a Python traceback
// (handler-exception; no-exit in an interpreter). It belongs to the record
// `record`; the record's own frames are then empty.
constexpr uint32_t kMaxNotes = 64;
constexpr uint32_t kNoteNameLen = 96;
constexpr uint32_t kNoteFileLen = 160;
constexpr uint32_t kNoteMessageLen = 240;
struct NoteFrame {
  char function[kNoteNameLen];
  char file[kNoteFileLen];
  int32_t line;
  uint32_t flags;  // FrameFlags: kFrameSignal on the frame a handler interrupted
};
struct Note {
  std::atomic<uint32_t> state;  // RecordState
  uint32_t record;              // index into Header::records
  char handler[kNoteNameLen];   // the handler's name, where it is defined
  char handler_file[kNoteFileLen];
  int32_t handler_line;
  char type[kNoteNameLen];      // the exception's type
  char message[kNoteMessageLen];
  uint32_t nframes;
  NoteFrame frames[kMaxFrames];  // innermost first
};

struct Header {
  uint32_t magic;
  uint32_t version;
  uint32_t header_size;     // sizeof(Header), to catch mismatched builds
  uint32_t reserved;
  // What every process reads or writes as it starts comes first, on the
  // file's first page with Config's scalars (a page touched is a fault in
  // every process of the run).
  std::atomic<uint32_t> next_record;
  std::atomic<uint32_t> next_module;
  std::atomic<uint32_t> next_process;  // slots used so far: readers look at [0, next_process)
  std::atomic<uint32_t> watching;      // kBare: 1 while the watcher runs (else nobody answers a report)
  std::atomic<uint64_t> dropped_records;    // findings that found no room
  std::atomic<uint64_t> dropped_processes;
  uint64_t start_ns;                        // CLOCK_MONOTONIC when the CLI made the run file
  std::atomic<uint64_t> events_seen;        // timeline events, sampled or not
  // processes[i].pid while that entry is claimed and not ended (kWriting,
  // kReady), else 0. Each Process is a page of its own: a process starting
  // finds its pid's entries and a free slot by reading this one page, not
  // one page per entry (which made every process of a build pay hundreds of
  // page faults). The CLI zeroes it as it frees an entry.
  std::atomic<int32_t> process_pids[kMaxProcesses];
  Config config;
  Module modules[kMaxModules];
  Active active[kMaxActive];
  Process processes[kMaxProcesses];
  Record records[kMaxRecords];
  Event events[kMaxEvents];
  // Fuzzing (Config::fuzz & kFuzzCoverage): hit counters, saturating at 255.
  std::atomic<uint8_t> interleavings[kInterleavings];
  std::atomic<uint32_t> next_note;
  uint32_t reserved4;
  Note notes[kMaxNotes];
};

constexpr size_t kFileSize = (sizeof(Header) + 4095) & ~size_t{4095};
static_assert(offsetof(Header, config) + offsetof(Config, injections) <= 4096,
              "what a process reads at start-up stays on the run file's first page");

static_assert(std::atomic<uint32_t>::is_always_lock_free, "shared atomics");
static_assert(std::atomic<uint64_t>::is_always_lock_free, "shared atomics");

// Environment the CLI sets for every process of the run.
constexpr const char* kEnvRunFile = "SIGSTORM_RUN_FILE";

// A process that may not open the run file (it dropped privileges and
// exec'd: runuser, setpriv, gosu) asks the CLI for a descriptor of it over
// an abstract unix socket named after the file; the CLI hands it only to
// processes of the run. The name: '\0' "sigstorm:" PATH, cut to fit.
constexpr uint32_t kRunSocketMax = 108;  // sizeof sockaddr_un::sun_path
inline uint32_t run_socket_name(const char* run_file, char* out) {
  const char prefix[] = "sigstorm:";
  uint32_t n = 0;
  out[n++] = 0;
  for (const char* p = prefix; *p && n < kRunSocketMax; ++p) out[n++] = *p;
  for (const char* p = run_file; *p && n < kRunSocketMax; ++p) out[n++] = *p;
  return n;
}

}  // namespace sigstorm::wire
