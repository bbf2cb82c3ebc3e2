"""The process boundary: every execution of user code happens in a kernel process.

- `schema`: the request and one dataclass per result piece (shared with the cards);
- `protocol`: length-prefixed JSON frames over the kernel's pipes;
- `client`: `Kernel`, one process (start, time limit, memory limit, restart);
- `pool`: `KernelPool`, several kernels, interactive requests first;
- `worker` and `compute`: what runs *inside* the kernel process (never imported by
  the server or the CLI).

>>> with Kernel(time_limit=1.0) as k:
...     k.run_sync(Request("", "", {}, op="ping")).status
'ok'
"""

from .client import Kernel
from .pool import KernelPool
from .schema import Failure, Request, Result

__all__ = ["Failure", "Kernel", "KernelPool", "Request", "Result"]
