"""The kernel: a separate process that owns every execution of user code.

>>> with Kernel(time_limit=1.0) as k:
...     k.run_sync({"op": "ping"}).status
'ok'
"""

from .client import KILL_GRACE, Kernel, KernelResult

__all__ = ["KILL_GRACE", "Kernel", "KernelResult"]
