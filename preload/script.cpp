// Handlers written in an interpreted language report here: the start-up
// hook the CLI puts on the interpreter's path (preload/python/sitecustomize.py)
// calls sigstorm_handler_exception through ctypes when a Python handler
// raised. It is called from ordinary code (Python runs its handlers between
// bytecodes), but keeps to the shim's rules all the same: no allocation, no
// locks; what it is given is copied, cut to fit, into the run file.
#include "preload/interpose.h"
#include "preload/recorder.h"
#include "preload/state.h"

namespace sigstorm {
namespace {

uint64_t hash(uint64_t h, const char* s) {
  for (; s && *s; ++s) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return h;
}

}  // namespace
}  // namespace sigstorm

using namespace sigstorm;

// One exception that left a Python handler: the handler (name, where it is
// defined), the signal, the exception's type and message, and its
// traceback innermost first; frames from `interrupted_at` on are the code
// the signal interrupted (-1: none given).
extern "C" SIGSTORM_EXPORT void sigstorm_handler_exception(int sig, const char* handler, const char* handler_file,
                                                           int handler_line, const char* type, const char* message,
                                                           int nframes, const char* const* functions,
                                                           const char* const* files, const int* lines,
                                                           int interrupted_at) {
  if (!g_run || !check_enabled(wire::kHandlerException) || in_borrowed_memory()) return;
  Observation f{wire::kHandlerException};
  f.sig = sig;
  f.no_stack = true;
  // One finding per handler, exception type and raising line, as a C
  // finding is one per handler and call.
  uint64_t key = hash(0xcbf29ce484222325ull, handler);
  key = hash(key, handler_file);
  key = hash(key, type);
  if (nframes > 0 && files && lines) key = hash(key, files[0]) ^ (uint64_t)(unsigned)lines[0] << 1;
  f.merge_extra = key;
  bool appended = false;
  const int32_t idx = record(f, &appended) - 1;  // a note goes only to a record this call wrote
  if (!appended) return;
  const uint32_t n = g_run->next_note.fetch_add(1, std::memory_order_relaxed);
  if (n >= wire::kMaxNotes) return;  // the finding stands, without its traceback
  wire::Note& note = g_run->notes[n];
  note.state.store(wire::kWriting, std::memory_order_relaxed);
  note.record = (uint32_t)idx;
  copy_text(note.handler, handler);
  copy_text(note.handler_file, handler_file);
  note.handler_line = handler_line;
  copy_text(note.type, type);
  copy_text(note.message, message);
  uint32_t k = 0;
  for (; nframes > 0 && k < (uint32_t)nframes && k < wire::kMaxFrames; ++k) {
    wire::NoteFrame& fr = note.frames[k];
    copy_text(fr.function, functions ? functions[k] : nullptr);
    copy_text(fr.file, files ? files[k] : nullptr);
    fr.line = lines ? lines[k] : 0;
    fr.flags = (int)k == interrupted_at ? (uint32_t)wire::kFrameSignal : 0u;
  }
  note.nframes = k;
  note.state.store(wire::kReady, std::memory_order_release);
}
