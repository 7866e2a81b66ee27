# Handler-mode worker for Python: loads main.py once, then answers JSON-line invocations on fd 3/4 until EOF.
import os
import sys

_SDK_DIR = os.environ.get("OUTRIGGER_SDK_DIR", "/opt/outrigger/sdk")
_USER_FILE = os.environ.get("OUTRIGGER_CODE", "/code/main.py")
sys.path[:0] = [p for p in (_SDK_DIR, os.environ.get("OUTRIGGER_DEPS"), os.path.dirname(_USER_FILE)) if p]
sys.dont_write_bytecode = True

import importlib.util  # noqa: E402
import _jsonlite as json  # noqa: E402  - no `json` import: it costs ~10 ms of start-up
import outrigger as sdk  # noqa: E402
from _errors import describe  # noqa: E402

_ch = sdk._channel()


class _LogStream:
    """stdout/stderr of the handler: every line becomes a log line of the current execution, never output."""

    def __init__(self, level):
        self._level = level
        self._buf = ""

    def write(self, s):
        self._buf += s
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            _ch.send({"t": "log", "level": self._level, "message": line})
        if len(self._buf) > 8192:  # no newline for a while: still a log line, never unbounded memory
            self.flush()
        return len(s)

    def flush(self):
        if self._buf:
            _ch.send({"t": "log", "level": self._level, "message": self._buf})
            self._buf = ""

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"


sys.stdout = _LogStream("info")
sys.stderr = _LogStream("error")

if os.environ.get("OUTRIGGER_EGRESS_PORT"):
    import _egress  # noqa: E402
    _egress.start()

if os.environ.get("OUTRIGGER_SPARE"):
    # A pre-started spare: the code arrives over the channel once a pool takes this worker.
    _ch.send({"t": "ready"})
    _first = _ch.recv() or {}
    os.makedirs(os.path.dirname(_USER_FILE), exist_ok=True)
    with open(_USER_FILE, "w") as _f:
        _f.write(_first.get("source", ""))

_handler = None
_load_error = None
try:
    spec = importlib.util.spec_from_file_location("main", _USER_FILE)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["main"] = mod
    spec.loader.exec_module(mod)
    _handler = getattr(mod, "handler", None)
    if not callable(_handler):
        _load_error = {"type": "TypeError", "message": "main.py must define handler(input, ctx)", "stack": ""}
except BaseException as e:  # noqa: BLE001 - a broken main.py is reported, not fatal
    _load_error = describe(e, _USER_FILE)


def _flush():
    sys.stdout.flush()
    sys.stderr.flush()


def _answer(msg):
    if _load_error:
        return {"t": "result", "ok": False, "error": dict(_load_error, code="RUNTIME_ERROR")}
    ctx = sdk.Context(msg.get("execution"))
    try:
        out = _handler(msg.get("input"), ctx)
        if hasattr(out, "__await__"):
            import asyncio
            out = asyncio.run(out)
    except BaseException as e:  # noqa: BLE001
        return {"t": "result", "ok": False, "error": dict(describe(e, _USER_FILE), code="RUNTIME_ERROR")}
    return {"t": "result", "ok": True, "output": out}


while True:
    msg = _ch.recv()
    if msg is None:
        break
    if msg.get("t") != "invoke":
        continue
    res = _answer(msg)
    _flush()
    try:
        line = json.dumps(res, allow_nan=False)
    except (TypeError, ValueError) as e:
        line = json.dumps({"t": "result", "ok": False, "error": {
            "code": "OUTPUT_INVALID", "message": "handler returned a value that is not JSON: %s" % e}})
    _ch.send_raw(line)
