# sigstorm's start-up hook for Python programs. `sigstorm run` puts this
# directory first on PYTHONPATH (next to libsigstorm.so: lib/sigstorm-python).
#
# It wraps every Python signal handler the program installs, so that an
# exception leaving the handler is reported to the shim (a handler-exception
# finding, with the traceback as its stack) and then propagates exactly as it
# would have: same exception, same traceback text, same exit status. Then it
# hands on to the sitecustomize the interpreter would have loaded without
# sigstorm (any later one on sys.path). It imports nothing the interpreter
# has not already loaded at start-up; ctypes comes with the first exception.
#
# Covered: CPython 3.11 and later (the traceback is the exception's own from
# 3.11 on, so the wrapper can take its frame out of it). Older interpreters
# get the hook too, and their tracebacks show one more line, the wrapper's.
import os
import sys

import _signal


def _install():
    real_signal = _signal.signal
    real_getsignal = _signal.getsignal
    quiet = sys.version_info >= (3, 11)

    def original(handler):
        return getattr(handler, "_sigstorm_original", handler)

    def report(handler, signum, exc, frame):
        try:
            import ctypes

            fn = ctypes.CDLL(None).sigstorm_handler_exception
            names, files, lines = [], [], []

            def add(code, line):
                names.append(getattr(code, "co_qualname", code.co_name))
                files.append(code.co_filename)
                lines.append(line or 0)

            inner = []
            tb = exc.__traceback__.tb_next  # from the handler in: not this wrapper
            while tb is not None:
                inner.append((tb.tb_frame.f_code, tb.tb_lineno))
                tb = tb.tb_next
            for code, line in reversed(inner):
                add(code, line)
            interrupted_at = len(names) if frame is not None else -1
            while frame is not None:
                add(frame.f_code, frame.f_lineno)
                frame = frame.f_back
            del names[40:], files[40:], lines[40:]
            t = type(exc)
            type_name = t.__qualname__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__
            try:
                message = str(exc)
            except Exception:
                message = "<unprintable>"
            code = getattr(handler, "__code__", None)
            name = getattr(handler, "__qualname__", None) or repr(handler)

            def b(s):
                return str(s).encode("utf-8", "replace")

            n = len(names)
            fn.restype = None
            fn(ctypes.c_int(int(signum)), b(name), b(code.co_filename) if code else None,
               ctypes.c_int(code.co_firstlineno if code else 0), b(type_name), b(message), ctypes.c_int(n),
               (ctypes.c_char_p * n)(*map(b, names)), (ctypes.c_char_p * n)(*map(b, files)),
               (ctypes.c_int * n)(*lines), ctypes.c_int(interrupted_at))
        except Exception:
            pass  # the program's exception matters, not ours

    def wrap(handler):
        # default_int_handler raises KeyboardInterrupt, never a finding: it
        # stays itself, as the interpreter may compare it.
        if not callable(handler) or handler is _signal.default_int_handler or hasattr(handler, "_sigstorm_original"):
            return handler

        def sigstorm_handler(signum, frame):
            try:
                return handler(signum, frame)
            except Exception as exc:
                report(handler, signum, exc, frame)
                if quiet:
                    exc.with_traceback(exc.__traceback__.tb_next)
                raise

        sigstorm_handler._sigstorm_original = handler
        return sigstorm_handler

    def signal(signalnum, handler):
        try:
            return original(real_signal(signalnum, wrap(handler)))
        except BaseException as exc:
            if quiet:
                exc.with_traceback(exc.__traceback__.tb_next)
            raise

    def getsignal(signalnum):
        try:
            return original(real_getsignal(signalnum))
        except BaseException as exc:
            if quiet:
                exc.with_traceback(exc.__traceback__.tb_next)
            raise

    # default-action: a timer armed while its signal has no handler may
    # kill the program; the shim then shows this Python stack of the call.
    timer_signals = {_signal.ITIMER_REAL: _signal.SIGALRM, _signal.ITIMER_VIRTUAL: _signal.SIGVTALRM,
                     _signal.ITIMER_PROF: _signal.SIGPROF}

    def python_stack(sig):
        try:
            if real_getsignal(sig) != _signal.SIG_DFL:
                return None
            import ctypes

            fn = ctypes.CDLL(None).sigstorm_timer_stack
            fn.restype = None
            names, files, lines = [], [], []
            frame = sys._getframe(2)
            while frame is not None and len(names) < 40:
                code = frame.f_code
                names.append(getattr(code, "co_qualname", code.co_name).encode("utf-8", "replace"))
                files.append(code.co_filename.encode("utf-8", "replace"))
                lines.append(frame.f_lineno or 0)
                frame = frame.f_back
            n = len(names)
            return lambda: fn(ctypes.c_int(sig), ctypes.c_int(n), (ctypes.c_char_p * n)(*names),
                              (ctypes.c_char_p * n)(*files), (ctypes.c_int * n)(*lines))
        except Exception:
            return None

    def timed(real, sig_of):
        def call(*args, **kwargs):
            # Prepared before the timer runs: a scaled alarm may ring at once.
            try:
                sig = sig_of(*args)
            except Exception:
                sig = 0  # the real call says what is wrong with the arguments
            report = python_stack(sig) if sig else None
            try:
                result = real(*args, **kwargs)
            except BaseException as exc:
                if quiet:
                    exc.with_traceback(exc.__traceback__.tb_next)
                raise
            if report:
                try:
                    report()
                except Exception:
                    pass
            return result

        call.__doc__, call.__name__ = real.__doc__, real.__name__
        return call

    signal.__doc__, signal.__name__ = real_signal.__doc__, real_signal.__name__
    getsignal.__doc__, getsignal.__name__ = real_getsignal.__doc__, real_getsignal.__name__
    _signal.signal = signal
    _signal.getsignal = getsignal
    _signal.alarm = timed(_signal.alarm, lambda seconds: _signal.SIGALRM if seconds else 0)
    _signal.setitimer = timed(_signal.setitimer,
                              lambda which, seconds=0, *rest: timer_signals.get(which, 0) if seconds else 0)


def _chain():
    # The program's own sitecustomize, as if this one were not there.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if not p or os.path.abspath(p) != here]
    me = sys.modules.pop("sitecustomize", None)
    try:
        import sitecustomize  # noqa: F401  (the next one on sys.path)
    except ImportError as exc:
        if exc.name != "sitecustomize":
            raise
        if me is not None:
            sys.modules["sitecustomize"] = me  # the import system expects a module here


if os.environ.get("SIGSTORM_RUN_FILE"):
    _install()
del _install
_chain()
