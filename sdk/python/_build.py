# Dependency-build launcher for Python: starts the egress forwarder (registry only), then runs pip in-process.
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if os.environ.get("OUTRIGGER_EGRESS_PORT"):
    import _egress
    _egress.start()
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
