# threaded_signame.py - a threaded program whose handler reads sig.name from an int.
#
# The tutorial's multithreaded SIGINT handler, as it writes it. `sig` is the
# signal number (an int), so `sig.name` is an AttributeError, raised only
# when SIGINT arrives. sigstorm sends SIGINT to the main thread as the worker
# makes its second sleep (--timeout, because as written the worker never
# ends):
#
#   sigstorm run --timeout 5s --inject SIGINT@call:clock_nanosleep,when=2,target=main -- python3 examples/python/threaded_signame.py
import signal
import threading
import time


def signal_handler(sig, frame):
    print("Caught", sig.name, "signal. Exiting...")


# Register the handler with Python's signal module
signal.signal(signal.SIGINT, signal_handler)


def worker():
    while True:
        # Code that might raise a SIGINT signal
        time.sleep(1)


thread = threading.Thread(target=worker)
thread.start()
