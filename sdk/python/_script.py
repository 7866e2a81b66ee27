# Script-mode launcher for Python: puts the SDK and dependencies on sys.path, then runs main.py as __main__.
import os
import sys

_SDK_DIR = os.environ.get("OUTRIGGER_SDK_DIR", "/opt/outrigger/sdk")
_USER_FILE = os.environ.get("OUTRIGGER_CODE", "/code/main.py")
sys.path[:0] = [p for p in (_SDK_DIR, os.environ.get("OUTRIGGER_DEPS"), os.path.dirname(_USER_FILE)) if p]
sys.dont_write_bytecode = True
if os.environ.get("OUTRIGGER_EGRESS_PORT"):
    import _egress
    _egress.start()

import types  # noqa: E402

try:
    # What runpy.run_path does for a plain file, without runpy's imports (pkgutil, typing: ~5 ms of start-up).
    with open(_USER_FILE, "rb") as _f:
        _code = compile(_f.read(), _USER_FILE, "exec")
    _main = types.ModuleType("__main__")
    _main.__file__ = _USER_FILE
    _main.__builtins__ = __builtins__
    sys.modules["__main__"] = _main
    exec(_code, _main.__dict__)
except SystemExit:
    raise
except BaseException as e:  # noqa: BLE001 - print a traceback without our own frames, exit 1
    from _errors import describe
    d = describe(e, _USER_FILE)
    sys.stderr.write(d["stack"])
    sys.stderr.flush()
    try:
        import _jsonlite
        os.write(4, (_jsonlite.dumps({"t": "error", "error": d}) + "\n").encode())
    except OSError:
        pass
    sys.exit(1)
