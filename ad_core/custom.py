"""Custom derivative rules, as in JAX.

``custom_jvp``: the rule drives forward mode; reverse mode differentiates the body.
``custom_vjp``: the rule drives reverse mode; forward mode differentiates the body.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ._core import top_tracer


class custom_jvp:
    """A function with a hand-written JVP rule.

        >>> @custom_jvp
        ... def f(x): return np.sin(x)
        >>> @f.defjvp
        ... def f_jvp(primals, tangents):
        ...     return np.sin(primals[0]), np.cos(primals[0]) * tangents[0]
    """

    def __init__(self, fun: Callable) -> None:
        self.fun = fun
        self.jvp_rule: Callable | None = None
        functools.update_wrapper(self, fun)

    def defjvp(self, rule: Callable) -> Callable:
        self.jvp_rule = rule
        return rule

    def __call__(self, *args):
        top = top_tracer(args)
        if top is None:
            return self.fun(*args)
        if self.jvp_rule is None:
            raise TypeError(f"custom_jvp function {self.__name__} has no rule: call .defjvp")
        return top._trace.process_custom_jvp(self, args)


class custom_vjp:
    """A function with hand-written forward/backward rules for reverse mode.

        >>> @custom_vjp
        ... def f(x): return np.sin(x)
        >>> f.defvjp(lambda x: (np.sin(x), x), lambda x, g: (g * np.cos(x),))
    """

    def __init__(self, fun: Callable) -> None:
        self.fun = fun
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        functools.update_wrapper(self, fun)

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        self.fwd = fwd
        self.bwd = bwd

    def __call__(self, *args):
        top = top_tracer(args)
        if top is None:
            return self.fun(*args)
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {self.__name__} has no rule: call .defvjp")
        return top._trace.process_custom_vjp(self, args)
