# sigint_exit.py - the tutorial's Ctrl+C handler: prints, then sys.exit(0).
#
# As the Python signal tutorials write it. The handler runs only when someone
# presses Ctrl+C; sigstorm delivers the SIGINT for you, after a delay (once
# the interpreter has started) or exactly as signal.pause() blocks, which
# then returns EINTR as if the signal had interrupted it:
#
#   sigstorm run --inject SIGINT@after:500ms -- python3 examples/python/sigint_exit.py
#   sigstorm run --inject SIGINT@call:pause,mode=eintr -- python3 examples/python/sigint_exit.py
import signal
import sys


def signal_handler(sig, frame):
    print('You pressed Ctrl+C!')
    sys.exit(0)


signal.signal(signal.SIGINT, signal_handler)
print('Press Ctrl+C')
signal.pause()
