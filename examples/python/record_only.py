# record_only.py - a correct handler: it only records the signal.
#
# The main loop acts on it. sigstorm finds nothing wrong, in the Python
# handler or in the interpreter's own C-level one; the SIGTERM comes as the
# main loop first sleeps:
#
#   sigstorm run --inject SIGTERM@call:clock_nanosleep,when=1 -- python3 examples/python/record_only.py
import signal
import time

received = None


def handler(signum, frame):
    global received
    received = signum


signal.signal(signal.SIGINT, handler)
signal.signal(signal.SIGTERM, handler)

print("Waiting for SIGINT or SIGTERM...")
while received is None:
    time.sleep(0.1)
print(f"Received {signal.Signals(received).name}; shutting down cleanly.")
