# The reference platform's Python SDK surface (ApiEnneo, Api, Setting, Helpers, Interaction, …) on the Outrigger channel.
# Interaction objects offer pydantic's model_dump()/model_dump_json() without needing pydantic.
import datetime
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

import outrigger as _sdk


def _check_authorize_as(authorize_as):
    # Both act as the execution: its workspace token (there is no signed-in user behind an execution here).
    if authorize_as not in ("user", "serviceWorker"):
        raise ValueError("authorize_as must be one of user, serviceWorker (got %r)" % (authorize_as,))


def load_input_data():
    """The input: the JSON document on stdin, as a dict."""
    value = _sdk.input()
    return {} if value is None else value


class Input:
    load = staticmethod(load_input_data)


def _request(method, endpoint, params=None, body=None, authorize_as="user"):
    _check_authorize_as(authorize_as)
    args = {"method": method, "path": endpoint, "authorizeAs": authorize_as}
    if params:
        args["params"] = params
    if body is not None:
        args["body"] = body
    return _sdk._channel().call("reference.request", args)


class ApiEnneo:
    """The platform API: reference paths (/api/mind/ticket/{id}, …) mapped onto Outrigger's API by the host."""

    @staticmethod
    def get(endpoint, params=None, authorize_as="user"):
        return _request("GET", endpoint, params, None, authorize_as)

    @staticmethod
    def post(endpoint, body=None, authorize_as="user"):
        return _request("POST", endpoint, None, body if body is not None else {}, authorize_as)

    @staticmethod
    def put(endpoint, body=None, authorize_as="user"):
        return _request("PUT", endpoint, None, body if body is not None else {}, authorize_as)

    @staticmethod
    def patch(endpoint, body=None, authorize_as="user"):
        return _request("PATCH", endpoint, None, body if body is not None else {}, authorize_as)

    @staticmethod
    def delete(endpoint, authorize_as="user"):
        return _request("DELETE", endpoint, None, None, authorize_as)

    @staticmethod
    def get_contract(contract_id, authorize_as="user"):
        return ApiEnneo.get("/api/mind/contract/%s" % urllib.parse.quote(str(contract_id), safe=""), None, authorize_as)

    @staticmethod
    def get_ticket(ticket_id, authorize_as="user"):
        return ApiEnneo.get("/api/mind/ticket/%s" % urllib.parse.quote(str(ticket_id), safe=""), None, authorize_as)

    @staticmethod
    def execute_udf(name, params=None, authorize_as="serviceWorker"):
        """Runs a UDF (ctx.udf) and returns its output; its failure raises."""
        _check_authorize_as(authorize_as)
        return _sdk.udf(name, params or {})

    @staticmethod
    def get_secret(key):
        """A secret's value, or None when it does not exist (as there)."""
        try:
            return _sdk.secret(key)
        except _sdk.OutriggerError as e:
            if e.code == "NOT_FOUND":
                return None
            raise

    @staticmethod
    def get_file_from_storage(*_args, **_kwargs):
        raise NotImplementedError("get_file_from_storage is not supported: Outrigger has no file storage")


class Api:
    """Plain HTTP through the executor's egress allow-list (urllib honours the sandbox's proxy variables)."""

    @staticmethod
    def call_raw(method, url, headers=None, params=False, timeout=30):
        method = method.upper()
        base = os.environ.get("ENNEO_API_URL")
        has_params = params is not False and params is not None
        if base and url.startswith(base + "/"):
            # The platform's own API: over the private channel (the sandbox has no network to it).
            args = {"method": method, "path": url[len(base):]}
            if has_params:
                args["params" if method in ("GET", "DELETE") else "body"] = params
            return json.dumps(_sdk._channel().call("reference.request", args))
        h = {}
        for item in (headers or []):
            if isinstance(headers, dict):
                h[item] = headers[item]
            else:
                k, _, v = str(item).partition(":")
                h[k.strip()] = v.strip()
        data = None
        if has_params:
            if method in ("GET", "DELETE"):
                url += ("&" if "?" in url else "?") + (params if isinstance(params, str) else urllib.parse.urlencode(params))
            else:
                data = (params if isinstance(params, str) else json.dumps(params)).encode()
                if not any(k.lower() == "content-type" for k in h):
                    h["Content-Type"] = "application/json"
        left = _sdk.execution.remaining_ms
        limit = min(timeout, left / 1000) if left else timeout
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=max(0.001, limit)) as res:
                return res.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s answered %s: %s" % (method, url, e.code, e.read()[:500].decode("utf-8", "replace")))

    @staticmethod
    def call(method, url, headers=None, params=False, timeout=30):
        text = Api.call_raw(method, url, headers, params, timeout)
        return json.loads(text) if text else None


class Setting:
    """Persistent settings (the reference "storage object" of UDFs): Outrigger storage objects under the same name."""

    @staticmethod
    def get(name):
        return _sdk.storage.get(name)

    @staticmethod
    def set(name, value):
        _sdk.storage.set(name, value)


class AppStorage:
    @staticmethod
    def get(key):
        return _sdk.storage.get("app:" + key)

    @staticmethod
    def set(key, value):
        _sdk.storage.set("app:" + key, value)

    @staticmethod
    def delete(key):
        _sdk.storage.delete("app:" + key)


class AppInfo:
    @staticmethod
    def get():
        e = _sdk.execution
        return {"id": e.executor_name, "name": e.executor_name, "version": e.version, "executionId": e.id}


_IBAN_LENGTHS = {"AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
                 "IE": 22, "IT": 27, "LI": 21, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24}


def _parse_date(s):
    s = str(s).strip()
    for f in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y"):
        try:
            return datetime.datetime.strptime(s, f).date()
        except ValueError:
            pass
    try:
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).date() if re.match(r"^\d{4}-\d{2}-\d{2}T", s) else None
    except ValueError:
        return None


class Helpers:
    @staticmethod
    def format_date(date_str, format="de"):
        """`de`: DD.MM.YYYY; `en`: MM/DD/YYYY; `iso`/`ymd`: YYYY-MM-DD; another string is a strftime format."""
        if not date_str:
            return None
        d = date_str if isinstance(date_str, (datetime.date, datetime.datetime)) else _parse_date(date_str)
        if d is None:
            return None
        return d.strftime({"de": "%d.%m.%Y", "en": "%m/%d/%Y", "iso": "%Y-%m-%d", "ymd": "%Y-%m-%d"}.get(format, format))

    @staticmethod
    def parse_date_to_ymd(date_str):
        d = _parse_date(date_str) if date_str else None
        return d.strftime("%Y-%m-%d") if d else None

    @staticmethod
    def boolval(v):
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, float)):
            return v != 0
        return str(v or "").strip().lower() in ("1", "true", "yes", "ja", "y", "j", "on", "x", "wahr")

    @staticmethod
    def format_iban(iban):
        c = re.sub(r"[\s-]+", "", str(iban)).upper()
        return " ".join(c[i:i + 4] for i in range(0, len(c), 4))

    @staticmethod
    def validate_iban_formatting(iban):
        """Country length and ISO 13616 check digits (mod 97 = 1)."""
        c = re.sub(r"[\s-]+", "", str(iban)).upper()
        m = re.match(r"^([A-Z]{2})(\d{2})([A-Z0-9]{11,30})$", c)
        if not m or (m.group(1) in _IBAN_LENGTHS and len(c) != _IBAN_LENGTHS[m.group(1)]):
            return False
        digits = "".join(ch if ch.isdigit() else str(ord(ch) - 55) for ch in c[4:] + c[:4])
        return int(digits) % 97 == 1


class _Model:
    """The part of pydantic's BaseModel that the reference examples use: keyword construction and model_dump()."""

    _fields = ()
    _defaults = {}

    def __init__(self, **kwargs):
        unknown = set(kwargs) - set(self._fields)
        if unknown:
            raise TypeError("%s has no field(s) %s; fields are %s" % (type(self).__name__, ", ".join(sorted(unknown)), ", ".join(self._fields)))
        for f in self._fields:
            default = self._defaults.get(f)
            setattr(self, f, kwargs[f] if f in kwargs else (default() if callable(default) else default))

    def model_dump(self, exclude_none=False):
        def dump(v):
            if isinstance(v, _Model):
                return v.model_dump(exclude_none)
            if isinstance(v, list):
                return [dump(x) for x in v]
            if isinstance(v, dict):
                return {k: dump(x) for k, x in v.items()}
            return v
        out = {f: dump(getattr(self, f)) for f in self._fields}
        return {k: v for k, v in out.items() if v is not None} if exclude_none else out

    def model_dump_json(self, exclude_none=False):
        return json.dumps(self.model_dump(exclude_none))

    dict = model_dump  # pydantic v1 spelling


class IntentInfo(_Model):
    _fields = ("type", "message", "extraInfo")
    _defaults = {"type": "neutral", "message": ""}


class IntentOption(_Model):
    _fields = ("type", "name", "icon", "recommended", "order", "handler")
    _defaults = {"recommended": False}


class Interaction(_Model):
    _fields = ("infos", "options", "data")
    _defaults = {"infos": list, "options": list, "data": dict}
