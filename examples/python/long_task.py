# long_task.py - the tutorial's time limit: signal.alarm(10), and no handler.
#
# The task is meant to be cut off after 10 seconds with a message. Without a
# SIGALRM handler the alarm's default action ends the process instead (exit
# 142): the `except` never runs and nothing says why it died. --time-scale
# makes the alarm ring after 10 ms:
#
#   sigstorm run --time-scale 0.001 -- python3 examples/python/long_task.py
import signal
import time


def long_task():
    print("Working...")
    time.sleep(30)


signal.alarm(10)  # the task may take 10 seconds at most
try:
    long_task()
    print("Done.")
except Exception:
    print("Interrupted: the task took too long.")
