# Script-mode launcher for Python: puts the SDK and dependencies on sys.path, then runs main.py as __main__.
import os
import sys

_SDK_DIR = os.environ.get("OUTRIGGER_SDK_DIR", "/opt/outrigger/sdk")
_USER_FILE = os.environ.get("OUTRIGGER_CODE", "/code/main.py")
if os.environ.get("OUTRIGGER_SPARE"):
    # A script spare: a never-used sandbox started ahead of its run. It announces itself, then blocks on the
    # private channel for exactly one message (source and execution info); nothing else comes before the script
    # runs, so reading whole chunks cannot swallow an SDK reply. The input arrives on stdin as in a fresh run.
    sys.path.insert(0, _SDK_DIR)
    import _jsonlite

    os.write(4, b'{"t":"ready"}\n')
    _chunks = []
    while not _chunks or not _chunks[-1].endswith(b"\n"):
        _chunks.append(os.read(3, 1 << 16))
        if not _chunks[-1]:
            sys.exit(1)  # the host went away before handing over a script
    _msg = _jsonlite.loads(b"".join(_chunks))
    os.makedirs(os.path.dirname(_USER_FILE), mode=0o700, exist_ok=True)
    with open(_USER_FILE, "wb") as _f:
        _f.write(_msg["source"].encode("utf-8", "surrogatepass"))
    # The environment of a fresh run: OUTRIGGER_EXECUTION for the SDK's ctx, no trace of being a spare.
    os.environ["OUTRIGGER_EXECUTION"] = _msg["execution"]
    for _k, _v in (_msg.get("env") or {}).items():
        if _k.startswith("ENNEO_") and _k[6:].replace("_", "").isalpha() and _k.isupper() and isinstance(_v, str):
            os.environ[_k] = _v
    del os.environ["OUTRIGGER_SPARE"], _chunks, _msg, _f
    del sys.path[0]
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
