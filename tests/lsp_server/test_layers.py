"""The layering of lsp_server, read from the import statements of its modules.

Data flows one way: text -> analysis -> kernel -> cards -> render -> lsp / cli. A module
imports from its own layer or below, never above; the code that runs inside the kernel
process imports nothing of the server; only the static part of a card and the kernel
call ad_core.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lsp_server"

# Lowest first. `execution` (the one "does this run code" rule) and `tasks` (asyncio
# plumbing) depend on nothing; `cli` is the entry point over everything.
LAYERS = [
    ("lsp_server.execution", "lsp_server.tasks"),
    ("lsp_server.analysis",),
    ("lsp_server.kernel",),
    ("lsp_server.cards",),
    ("lsp_server.render",),
    ("lsp_server.lsp",),
    ("lsp_server.cli", "lsp_server.__main__"),
]
IN_KERNEL = ("lsp_server.kernel.worker", "lsp_server.kernel.compute",
             "lsp_server.kernel.rewrite", "lsp_server.kernel.stacked_rows",
             "lsp_server.kernel.directions", "lsp_server.kernel.nested",
             "lsp_server.kernel.layouts")
KERNEL_SIDE_OK = ("lsp_server.kernel.protocol", "lsp_server.kernel.schema",
                  "lsp_server.kernel.sandbox") + IN_KERNEL
AD_CORE_USERS = {
    "lsp_server.kernel.compute",  # the kernel: runs user code through ad_core
    "lsp_server.kernel.worker",
    "lsp_server.kernel.rewrite",  # the slice's a[i] = v, rebinding (ad_core's inplace)
    "lsp_server.kernel.stacked_rows",  # a value and its derivatives in one output (AD's jvp)
    "lsp_server.kernel.directions",  # derivatives too large to build: products with v
    "lsp_server.kernel.layouts",  # a vectorized Jacobian's columns checked by ad.vjp
    "lsp_server.cards.static",  # the static part: symbolic path and static estimate
    "lsp_server.cards.static_worker",  # ... computed in its own process
    "lsp_server.analysis.parse",  # ad_core._ast_parse: one lock around ast.parse
    "lsp_server.analysis.points",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of everything the module imports (relative imports resolved)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def _layer(module: str) -> int | None:
    for i, names in enumerate(LAYERS):
        if any(module == n or module.startswith(n + ".") for n in names):
            return i
    return None


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer():
    assert [m for m in MODULES if m != "lsp_server" and _layer(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_layer_above_it(module: str):
    own = _layer(module)
    if own is None:  # the package itself
        assert not [i for i in MODULES[module] if i.startswith("lsp_server.")]
        return
    above = sorted(i for i in MODULES[module]
                   if i.startswith("lsp_server.") and (_layer(i) or 0) > own)
    assert above == [], f"{module} (layer {own}) imports from above: {above}"


@pytest.mark.parametrize("module", IN_KERNEL)
def test_code_run_in_the_kernel_imports_nothing_of_the_server(module: str):
    # (`from . import schema` names the package: Python imports it for any submodule)
    server = sorted(i for i in MODULES[module] if i.startswith("lsp_server.")
                    and not i.startswith(KERNEL_SIDE_OK) and i != "lsp_server.kernel")
    assert server == []


def test_nothing_outside_the_kernel_imports_what_runs_inside_it():
    users = sorted(m for m, imports in MODULES.items() if not m.startswith("lsp_server.kernel")
                   and any(i.startswith(IN_KERNEL) for i in imports))
    assert users == []


def test_only_the_kernel_and_the_static_part_call_ad_core():
    users = {m for m, imports in MODULES.items()
             if any(i == "ad_core" or i.startswith("ad_core.") for i in imports)}
    assert users <= AD_CORE_USERS, sorted(users - AD_CORE_USERS)
