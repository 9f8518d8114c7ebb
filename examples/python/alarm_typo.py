# alarm_typo.py - the tutorial's alarm(5) handler, misspelled: signal.alrm(0).
#
# As the tutorial writes it, plus the long task the alarm is there to time
# out. The typo is an AttributeError, but only once the alarm rings: five
# seconds in (or never, if the task finishes first). --time-scale makes the
# program's alarm(5) ring after 5 ms:
#
#   sigstorm run --time-scale 0.001 -- python3 examples/python/alarm_typo.py
import signal
import time


def alarm_handler(signum, frame):
    """Custom handler function for SIGALRM signal."""
    print("Alarm went off!")
    # Add code here that you want to execute when the alarm timer expires
    signal.alrm(0)  # Cancel the alarm


# Set up an alarm after 5 seconds
signal.alarm(5)

# Register the custom handler with Python's signal module
signal.signal(signal.SIGALRM, alarm_handler)

# The long-running task the alarm times out.
print("Working...")
time.sleep(10)
print("Done.")
