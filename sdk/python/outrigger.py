# Outrigger SDK for Python: ctx.log/secret/storage/api/udf/emit/execution over the private fd 3/4 channel (sdk/PROTOCOL.md).
import os
import sys
import time

try:
    import _jsonlite as _json  # lean JSON for the channel (see _jsonlite.py)
except ImportError:  # the SDK file loaded on its own, without its directory on sys.path
    import json as _stdjson

    class _json:
        loads = staticmethod(_stdjson.loads)

        @staticmethod
        def dumps(obj, allow_nan=True):
            return _stdjson.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan)

__all__ = ["OutriggerError", "Context", "ctx", "log", "secret", "storage", "api", "udf", "emit", "execution",
           "input", "output"]


class OutriggerError(Exception):
    """An error answered by the platform (secret missing, UDF failed, …); `code` is the platform's error code."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.details = details


class _Channel:
    # fd 3: host -> sandbox, fd 4: sandbox -> host. Both are private pipes, never the sandbox network.
    def __init__(self):
        self._r = os.fdopen(3, "rb", closefd=False)
        self._w = os.fdopen(4, "wb", buffering=0, closefd=False)
        for fd in (3, 4):
            try:
                os.set_inheritable(fd, False)  # child processes of the user code do not get the channel
            except OSError:
                pass
        self._next = 0

    def send(self, msg):
        self._w.write(_json.dumps(msg).encode() + b"\n")

    def send_raw(self, line):
        self._w.write(line.encode() + b"\n")

    def recv(self):
        line = self._r.readline()
        if not line:
            return None
        return _json.loads(line)

    def call(self, op, args):
        self._next += 1
        call_id = self._next
        self.send({"t": "call", "id": call_id, "op": op, "args": args})
        while True:
            msg = self.recv()
            if msg is None:
                raise OutriggerError("CHANNEL_CLOSED", "the platform closed the SDK channel")
            if msg.get("t") == "return" and msg.get("id") == call_id:
                if msg.get("ok"):
                    return msg.get("value")
                err = msg.get("error") or {}
                raise OutriggerError(err.get("code", "SDK_ERROR"), err.get("message", "SDK call failed"),
                                     err.get("details"))


_chan = None


def _channel():
    global _chan
    if _chan is None:
        _chan = _Channel()
    return _chan


class Execution:
    """`ctx.execution`: id, trigger, attempt, executor_name, version, deadline (epoch ms), remaining_ms."""

    def __init__(self, info):
        self.id = info.get("id")
        self.trigger = info.get("trigger")
        self.attempt = info.get("attempt")
        self.executor_name = info.get("executorName")
        self.version = info.get("version")
        self.deadline = info.get("deadline")

    @property
    def remaining_ms(self):
        return max(0, int(self.deadline - time.time() * 1000)) if self.deadline else None

    def __repr__(self):
        return "Execution(id=%r, executor_name=%r, version=%r)" % (self.id, self.executor_name, self.version)


class Storage:
    def get(self, key):
        return _channel().call("storage.get", {"key": key})

    def set(self, key, value, ttl_seconds=None):
        args = {"key": key, "value": value}
        if ttl_seconds is not None:
            args["ttlSeconds"] = ttl_seconds
        return _channel().call("storage.set", args)

    def delete(self, key):
        return _channel().call("storage.delete", {"key": key})

    def list(self, prefix=None, after=None):
        """One page of {key, value, expiresAt} in key order; pass the last key as `after` for the next page."""
        args = {} if prefix is None else {"prefix": prefix}
        if after is not None:
            args["after"] = after
        return _channel().call("storage.list", args)


class Api:
    def request(self, method, path, body=None):
        args = {"method": method.upper(), "path": path}
        if body is not None:
            args["body"] = body
        return _channel().call("api.request", args)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body=None):
        return self.request("POST", path, body)

    def put(self, path, body=None):
        return self.request("PUT", path, body)

    def patch(self, path, body=None):
        return self.request("PATCH", path, body)

    def delete(self, path):
        return self.request("DELETE", path)


_LEVELS = ("debug", "info", "warn", "error")


class Context:
    """The `ctx` handed to `handler(input, ctx)`."""

    def __init__(self, execution_info):
        self.execution = Execution(execution_info or {})
        self.storage = Storage()
        self.api = Api()

    def log(self, message, level="info"):
        level = level if level in _LEVELS else "info"
        _channel().send({"t": "log", "level": level, "message": message if isinstance(message, str) else str(message)})

    def secret(self, name):
        return _channel().call("secret", {"name": name})

    def udf(self, name, input=None):
        return _channel().call("udf", {"name": name, "input": input})

    def emit(self, type, data=None):
        return _channel().call("emit", {"type": type, "data": data})


# Script mode: module-level calls, `input()` and `output(value)`.
ctx = Context(_json.loads(os.environ.get("OUTRIGGER_EXECUTION") or "{}"))
log = ctx.log
secret = ctx.secret
storage = ctx.storage
api = ctx.api
udf = ctx.udf
emit = ctx.emit
execution = ctx.execution

_input_cache = []


def input():
    """Script mode: the invocation input (the JSON document on stdin)."""
    if not _input_cache:
        text = sys.stdin.read()
        _input_cache.append(_json.loads(text) if text.strip() else None)
    return _input_cache[0]


def output(value):
    """Script mode: sets the output (instead of printing JSON to stdout)."""
    try:
        line = _json.dumps({"t": "output", "value": value}, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise OutriggerError("OUTPUT_INVALID", "output is not JSON: %s" % e)
    _channel().send_raw(line)


_REFERENCE_NAMES = ("ApiEnneo", "Api", "Setting", "Input", "Helpers", "Interaction", "IntentInfo", "IntentOption",
                    "AppStorage", "AppInfo", "load_input_data")


def __getattr__(name):
    # The reference platform's SDK surface (`sdk.load_input_data()`, `sdk.ApiEnneo`, …), imported on first use so
    # that code which does not use it starts as fast as before.
    if name in _REFERENCE_NAMES:
        # Loaded by path under another name (`spec_from_file_location("sdk", …)`): the compat layer must use this
        # very module, or a second copy would open a second reader on the channel.
        # (module_from_spec does not register it: a view of this module's names serves; its functions keep this
        # module's globals, so the channel stays one.)
        if "outrigger" not in sys.modules:
            import types
            view = types.ModuleType("outrigger")
            view.__dict__.update(globals())
            sys.modules["outrigger"] = view
        import enneo
        return getattr(enneo, name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
