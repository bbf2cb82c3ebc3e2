"""The server's settings: `workspace/configuration` section `adlens` plus initializationOptions.

Kept apart from the pygls wiring so the precedence rules are plain, testable code:

    >>> s = Settings.from_client({"execution": "always", "timeLimit": 0.5}, {"trusted": True})
    >>> (s.execution, s.time_limit, s.runs_code)   # configuration never raises execution
    ('trusted', 0.5, True)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from lsp_server.execution import EXECUTIONS, Execution, lowest, runs_code

_LOG_LEVELS: tuple[str, ...] = ("error", "warning", "info", "debug")


@dataclasses.dataclass(frozen=True)
class Settings:
    execution: Execution = "trusted"
    time_limit: float = 2.0
    code_lens: bool = True
    hover: bool = True
    inlay_hints: bool = True  # values and adjoints at the end of assignments (docs/server.md)
    log_level: str = "info"
    kernel_python: str | None = None  # the interpreter the kernel runs with (None: ours)
    # From initializationOptions only: the client knows about workspace trust, we don't.
    # A client that says nothing (Neovim, Helix, ...) is not trusted: running the user's
    # code is opt-in (`initializationOptions = {trusted = true}`), static cards still work.
    trusted: bool = False

    @property
    def runs_code(self) -> bool:
        """Whether the kernel may run the user's code under these settings."""
        return runs_code(self.execution, self.trusted)

    @classmethod
    def from_client(
        cls, config: Mapping[str, Any] | None, init_options: Mapping[str, Any] | None
    ) -> Settings:
        """Merge the `adlens` configuration section with the initialization options.

        Malformed values fall back to the default instead of failing: settings come from
        hand-edited JSON and Lua, and a typo must not take the server down.
        Execution comes from the initialization options (what launched the server knows
        about workspace trust); the configuration may lower it, never raise it
        (`execution.lowest`): some clients read project-level settings files, so a
        repository could otherwise switch its own code on.
        """
        config = _as_mapping(config)
        init = _as_mapping(init_options)
        default = cls()

        startup = _choice(init.get("execution"), EXECUTIONS, default.execution)
        execution = lowest(startup, _choice(config.get("execution"), EXECUTIONS, None))
        python = config.get("kernelPython")

        return cls(
            execution=execution,
            time_limit=_positive(config.get("timeLimit"), default.time_limit),
            code_lens=_flag(_section(config, "codeLens").get("enabled"), default.code_lens),
            hover=_flag(_section(config, "hover").get("enabled"), default.hover),
            inlay_hints=_flag(_section(config, "inlayHints").get("enabled"), default.inlay_hints),
            log_level=_choice(config.get("logLevel"), _LOG_LEVELS, default.log_level),
            kernel_python=python if isinstance(python, str) and python.strip() else None,
            trusted=_flag(init.get("trusted"), default.trusted),
        )


def _as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _section(config: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    # Clients send either nested objects ({"codeLens": {"enabled": false}}) or, when
    # they flatten VS Code-style keys, dotted ones ({"codeLens.enabled": false}).
    nested = _as_mapping(config.get(name))
    dotted = {k[len(name) + 1 :]: v for k, v in config.items() if k.startswith(name + ".")}
    return {**dotted, **nested}


def _choice(value: Any, allowed: tuple[str, ...], default: Any) -> Any:
    return value if isinstance(value, str) and value in allowed else default


def _flag(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _positive(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    value = float(value)
    return value if math.isfinite(value) and value > 0 else default
