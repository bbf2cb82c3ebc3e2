"""``python -m benchmarks``: see :mod:`benchmarks.harness`."""

import sys

from . import harness  # the package __init__ has pinned threads before this imports numpy

sys.exit(harness.main())
