"""The source rewrites of the slice, in the kernel only: ``a[i] = v`` (and ``a[i] += v``)
inside a function, and ``float(e)`` / ``e.item()`` anywhere in the file.

NumPy stores a traced ``v`` written into a plain array as a float (or refuses it), so the
derivative is lost at ``out = np.zeros(n); out[mask] = f(x[mask])``, a pattern real code
uses everywhere (statsmodels' robust norms, scikit-learn's huber loss). The library cannot
step in there. The kernel can: every ``name[index] = value`` whose ``name`` is a local of
its function becomes ``name = __adlens_setitem__(value, name, index)`` (the same order of
evaluation: value, then the array, then the index), and
``ad_core._numpy.inplace.setitem_rebinding`` then either does NumPy's own write or, when
the array is a plain float64 array nothing else refers to and the value is traced,
rebinds the name to the traced result, which no one can tell apart from the in-place
write. ``name[index] += value`` (index free of calls) becomes
``name = __adlens_setitem__(__adlens_augmented__("Add", name[index], value), name,
index)``: the same, with the new value computed first (`augmented_value`). Line
numbers are kept, so tracebacks and ``ad.trace`` rows still name the user's lines; the
source text (``ad.sct``, ``inspect``) is untouched.

``float(e)`` and ``e.item()`` of a traced value would drop its derivative, and the
library refuses them (``Tracer.__float__`` must return a float). On a real number both are
the identity, so the kernel writes ``float(e)`` as ``__adlens_float__(float, e)`` and
``e.item()`` as ``__adlens_item__(e)`` (``ad_core._numpy.scalar_conversion``): a real
traced value whose plain array NumPy converts (one element; 0-d for ``float`` in NumPy 2)
comes back as that value, 0-d and traced; every other call is the one the user wrote.
``float`` is passed as the user's scope resolves it (evaluated first, as the callee is),
so a file or function that binds its own ``float`` keeps it, and no scope analysis is
needed: these calls are rewritten everywhere, lambdas and comprehensions included.
``int(e)`` is not rewritten (it truncates).
"""

from __future__ import annotations

import ast
import builtins

SETITEM = "__adlens_setitem__"
SLICE = "__adlens_slice__"  # the builtin ``slice``, whatever the file calls ``slice``
FLOAT = "__adlens_float__"
ITEM = "__adlens_item__"
AUGMENTED = "__adlens_augmented__"  # ``a[i] op= v``'s new value (see visit_AugAssign)


def install() -> None:
    """Make the rewritten code's helpers reachable from every module's builtins."""
    # imported here: the worker imports this module before it knows NumPy is there (a
    # Python without NumPy gets a card that says so, not an ImportError from here)
    from ad_core._numpy.inplace import augmented_value, setitem_rebinding
    from ad_core._numpy.scalar_conversion import float_keeping_derivative, item_keeping_derivative

    # setitem_rebinding itself, no wrapper: it counts the references to the array, and
    # measured its baseline on a call shaped exactly like the rewritten one
    setattr(builtins, SETITEM, setitem_rebinding)
    setattr(builtins, SLICE, slice)
    setattr(builtins, FLOAT, float_keeping_derivative)
    setattr(builtins, ITEM, item_keeping_derivative)
    setattr(builtins, AUGMENTED, augmented_value)


def rewrite(tree: ast.Module) -> ast.Module:
    """``tree`` with every function's ``local[index] = value``, and every ``float(e)`` and
    ``e.item()``, rewritten (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _Writes(_locals(node)).rewrite_body(node)
    _Conversions().visit(tree)
    return ast.fix_missing_locations(tree)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _own_nodes(fn: ast.AST):
    """The nodes of ``fn``'s own scope (nested functions, classes, lambdas and
    comprehensions left out: they are scopes of their own)."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(ast.iter_child_nodes(node))


def _locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    a = fn.args
    names = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)}
    names |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
    declared: set[str] = set()
    for node in _own_nodes(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared |= set(node.names)
    return names - declared


class _Writes(ast.NodeTransformer):
    def __init__(self, local: set[str]) -> None:
        self.local = local

    def rewrite_body(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        fn.body = [self.visit(s) for s in fn.body]

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, _SCOPES):
            return node  # its own scope: rewritten when the walk reaches it as a function
        return super().generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        if len(node.targets) != 1:
            return node
        target = node.targets[0]
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                and target.value.id in self.local):
            return node
        name = target.value.id
        call = ast.Call(ast.Name(SETITEM, ast.Load()),
                        [node.value, ast.Name(name, ast.Load()), _index(target.slice)], [])
        new = ast.Assign([ast.Name(name, ast.Store())], call)
        return ast.copy_location(new, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        """``a[i] += v`` (``a`` a local, ``i`` free of calls: it is read twice) becomes
        ``a = setitem(augmented("Add", a[i], v), a, i)``: Python's order (``a[i]``,
        then ``v``, the operation, the store), its own in-place operation on plain
        values, and the store a traced result needs (`setitem_rebinding`)."""
        target = node.target
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                and target.value.id in self.local and _plain(target.slice)):
            return node
        name = target.value.id
        read = ast.Subscript(ast.Name(name, ast.Load()), target.slice, ast.Load())
        value = ast.Call(ast.Name(AUGMENTED, ast.Load()),
                         [ast.Constant(type(node.op).__name__), read, node.value], [])
        call = ast.Call(ast.Name(SETITEM, ast.Load()),
                        [value, ast.Name(name, ast.Load()), _index(target.slice)], [])
        return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], call), node)


def _plain(node: ast.expr) -> bool:
    """An index that can be evaluated twice: names, constants, slices, tuples and
    arithmetic of them (no call, attribute or subscript, which could run code)."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Slice):
        return all(p is None or _plain(p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Tuple):
        return all(_plain(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _plain(node.operand)
    if isinstance(node, ast.BinOp):
        return _plain(node.left) and _plain(node.right)
    return False


def _index(node: ast.expr) -> ast.expr:
    """A subscript's index as an expression (``a:b`` is only valid inside brackets)."""
    if isinstance(node, ast.Slice):
        parts = [p if p is not None else ast.Constant(None)
                 for p in (node.lower, node.upper, node.step)]
        return ast.copy_location(ast.Call(ast.Name(SLICE, ast.Load()), parts, []), node)
    if isinstance(node, ast.Tuple):
        return ast.copy_location(ast.Tuple([_index(e) for e in node.elts], ast.Load()), node)
    return node


class _Conversions(ast.NodeTransformer):
    """``float(e)`` -> ``__adlens_float__(float, e)``, ``e.item()`` -> ``__adlens_item__(e)``:
    only these exact shapes (one positional argument, no keywords; ``item`` with none)."""

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        f = node.func
        if node.keywords:
            return node
        if (isinstance(f, ast.Name) and f.id == "float" and len(node.args) == 1
                and not isinstance(node.args[0], ast.Starred)):
            new = ast.Call(ast.Name(FLOAT, ast.Load()), [f, node.args[0]], [])
        elif isinstance(f, ast.Attribute) and f.attr == "item" and not node.args:
            new = ast.Call(ast.Name(ITEM, ast.Load()), [f.value], [])
        else:
            return node
        return ast.copy_location(new, node)
