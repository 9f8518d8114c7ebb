// The run file -> the Report: every ready record symbolized, repeats merged
// (same kind, function and handler site, across processes too, counts
// summed), in order of first occurrence; injection stats per process.
#pragma once
#include <functional>

#include "inject/run/process_ledger.h"
#include "inject/wire/record_format.h"
#include "inject/report/report.h"
#include "inject/report/symbolize.h"

namespace sigstorm {

// Fills everything the run file knows: seed, checks, policy, hang timeout,
// time scale, injections, findings, processes, dropped, notes. The caller
// adds argv and exit. Reads only records and processes whose state is kReady.
// `ledger`: the processes taken out of the file during the run, if any.
// `keep`: only the records it accepts (by index in Header::records); a bare
// run reports each process's own as the process ends.
using RecordFilter = std::function<bool(uint32_t index, const wire::Record& record)>;
Report collect(const wire::Header& header, Symbolizer& symbolizer, const ProcessLedger* ledger = nullptr,
               const RecordFilter& keep = {});

// A handler-hang finding the CLI's watchdog saw but the shim could not
// record (the probe signal was blocked in the hung handler): no stack.
Finding hang_finding_without_stack(int pid, int tid, int signal, std::optional<StackFrame> handler,
                                   uint64_t hang_timeout_ns);

// The process `pid` was killed by `signal` while a handler for that signal
// had been entered on one of its threads and never returned: it was left by
// a jump that kept the signal blocked (or faulted itself), so the kernel
// forced the default action. A longjmp-mask finding per such thread.
std::vector<Finding> deaths_in_handlers(const wire::Header& header, int pid, int signal, Symbolizer& symbolizer);

// Where the signal that killed process `pid` came from, when the run knows:
// "sent by --inject SPEC; the program had no handler for it". nullopt else.
std::optional<std::string> exit_cause(const wire::Header& header, const ProcessLedger* ledger, int pid, int signal);

// "ENOENT (No such file or directory)"-style text for an errno value: "4 (EINTR)".
std::string errno_text(int value);

}  // namespace sigstorm
