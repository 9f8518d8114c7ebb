# Correct pattern: a Python signal handler that only counts. CPython's C-level
# handler just records the signal; this function runs later, between
# bytecodes, in the main thread.
#
#   python3 python_counter.py self|wait K      (see corpus.h)
import os
import signal
import sys
import time

DEADLINE_S = 3.0

mode = sys.argv[1] if len(sys.argv) > 1 else "self"
want = int(sys.argv[2]) if len(sys.argv) > 2 else 5
if mode not in ("self", "wait") or want < 1:
    sys.exit("usage: python_counter.py self|wait [K]")

handled = 0


def on_usr1(signum, frame):
    global handled
    handled += 1


signal.signal(signal.SIGUSR1, on_usr1)

deadline = time.monotonic() + DEADLINE_S
if mode == "self":
    for i in range(want):
        # raise() runs the C handler at once; raise_signal then runs the
        # Python handler before it returns.
        signal.raise_signal(signal.SIGUSR1)
else:
    while handled < want and time.monotonic() < deadline:
        time.sleep(0.01)  # clock_nanosleep: a storm or an EINTR lands here

# At exit CPython puts back SIG_DFL for SIGUSR1: block it first, so a storm
# that goes on stays pending instead of killing the exiting interpreter.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
n = handled
if n >= want:
    print("python: got SIGUSR1")
    print(f"handled>={want}")
    sys.exit(0)
print(f"python: TIMEOUT handled={n} wanted {want}")
sys.exit(1)
