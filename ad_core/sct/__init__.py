"""Source transformation: read a function's code, write the code of its derivative.

``ad.grad`` overloads operators: it runs ``f`` and records a tape. ``ad.sct``
reads ``f``'s source and writes a new Python function that computes the
derivative, as Google Tangent did. Both use the rules of the one primitive
table (``ad_core.primitives``).

    >>> import ad_core as ad
    >>> ad.sct.grad(lambda x: x * x)(3.0)
    6.0
    >>> print(ad.sct.source(f))            # doctest: +SKIP

``source`` and ``generate`` show the code; ``generate`` also gives the map
from each generated line to the line of ``f`` it came from (for editors).
See docs/sct.md for the design.
"""

from ._api import derivative, generate, grad, source, value_and_grad
from ._errors import SourceTransformError
from ._program import Generated

__all__ = ["Generated", "SourceTransformError", "derivative", "generate", "grad", "source",
           "value_and_grad"]
