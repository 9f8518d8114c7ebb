# threaded_hang.py - the threaded tutorial program, its name bug fixed.
#
# The handler now prints and returns, but the non-daemon worker loops
# forever: the interpreter waits for it at exit (threading._shutdown), and
# Ctrl+C never ends the program. sigstorm sends SIGINT to the main thread as
# the worker makes its second sleep, and expects the program gone 500 ms
# later:
#
#   sigstorm run --expect-exit 500ms --inject SIGINT@call:clock_nanosleep,when=2,target=main -- python3 examples/python/threaded_hang.py
import signal
import threading
import time


def signal_handler(sig, frame):
    print("Caught", signal.Signals(sig).name, "signal. Exiting...")


signal.signal(signal.SIGINT, signal_handler)


def worker():
    while True:
        time.sleep(0.1)


thread = threading.Thread(target=worker)
thread.start()
