# JSON for the channel on CPython's C accelerator without importing `json` (which pulls in re, enum, functools):
# about 10 ms less worker start-up. Falls back to `json` where `_json` is missing.
try:
    import _json

    class _Ctx:
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__

    _scan = _json.make_scanner(_Ctx())

    def _default(o):
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    def loads(s):
        if isinstance(s, (bytes, bytearray)):
            s = s.decode("utf-8")
        i = 0
        while i < len(s) and s[i] in " \t\r\n":
            i += 1
        try:
            obj, _ = _scan(s, i)
        except StopIteration as e:
            raise ValueError("invalid JSON at %d" % e.value) from None
        return obj

    def dumps(obj, allow_nan=True):
        enc = _json.make_encoder({}, _default, _json.encode_basestring, None, ":", ",", False, False, allow_nan)
        return "".join(enc(obj, 0))
except ImportError:  # pragma: no cover - other Python implementations
    import json as _std

    def loads(s):
        return _std.loads(s)

    def dumps(obj, allow_nan=True):
        return _std.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=allow_nan)
