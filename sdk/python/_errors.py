# Turns a Python exception into the RUNTIME_ERROR details (type, message, stack and line in the user's file).
_INTERNAL = "/_bootstrap.py", "/_script.py", "/_errors.py", "/outrigger.py"


def describe(e, user_file):
    import traceback  # only on errors: keeps worker start-up short
    frames = [f for f in traceback.extract_tb(e.__traceback__) if not f.filename.endswith(_INTERNAL)
              and not f.filename.startswith("<frozen")]
    stack = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) if frames else ""
    stack += "".join(traceback.format_exception_only(type(e), e))
    d = {"type": type(e).__name__, "message": str(e) or type(e).__name__, "stack": stack.replace(user_file, "main.py")}
    user = [f for f in frames if f.filename == user_file]
    if user:
        d["file"], d["line"] = "main.py", user[-1].lineno
    elif isinstance(e, SyntaxError) and e.filename == user_file:
        d["file"], d["line"] = "main.py", e.lineno
    code = getattr(e, "code", None)
    if type(e).__name__ == "OutriggerError" and isinstance(code, str):
        d["sdkCode"] = code
    return d
