"""Functions for the source-transformation tests: one per construct of SPEC §1 (ad.sct).

They are plain Python against ``numpy`` and ``ad_core.math`` (the drop-in for
``math`` that operator overloading needs too), so that ``ad.grad`` can check
every one of them.
"""

import numpy as np

import ad_core.math as math

SCALE = 1.5
DATA = np.linspace(-1.0, 1.0, 6).reshape(2, 3)


# ---------------------------------------------------------------- straight-line code


def energy(x, v):
    kinetic = 0.5 * v * v
    potential = 1 - math.cos(x)
    return kinetic + potential


def chain(x):
    y = math.exp(math.sin(x) * x)
    z = y / (1.0 + x * x)
    return math.log(z + 2.0) * math.sqrt(x * x + 1.0)


def augmented(x, y):
    z = x
    z += y
    z *= x
    z -= y / 2.0
    z /= 1.0 + y * y
    z **= 2
    return z


def tuples(x, y):
    a, b = x * y, x + y
    a, b = b, a
    c = (a, b)
    p, q = c
    return p * q + a


def overwrite(x):
    y = x * 2.0
    y = y * y + x
    y = math.tanh(y)
    return y * x


# ---------------------------------------------------------------- branches


def piecewise(x):
    if x > 1.0:
        return x ** 3
    elif x < -1.0:
        return -x
    return np.sin(x)


def branch_reassign(x):
    flag = x > 0.5
    if flag:
        flag = False
        y = x * x
    else:
        y = x * 3.0
    return y + (1.0 if flag else x)


def cond_expr(x):
    y = x * x if x > 0 else -x
    return y + (math.exp(y) if y < 1.0 else 1.0)


def bool_ops(x, y):
    a = x > 0 and y > 0
    b = (x if x > 1.0 else 0.0) or y
    return (x * y if a else x + y) + b


def builtin_minmax(x, y):
    return max(x, y) + min(x * y, 0.5) + abs(x - y) + max(x, y, 0.25)


# ---------------------------------------------------------------- loops


def series(x):
    acc = 0.0
    for k in range(1, 6):
        acc = acc + x ** k / k
    return acc


def scalar_loop(x, y, iters=40):
    s = x
    for _ in range(iters):
        s = (s * y + x) / (1.0 + s * s)
    return s


def doubling(x):
    while x < 10.0:
        x = x * 2.0
    return x


def newton_sqrt(a):
    x = a
    it = 0
    while abs(x * x - a) > 1e-12 and it < 50:
        x = 0.5 * (x + a / x)
        it += 1
    return x


def jumps(x):
    s = 0.0
    for k in range(10):
        if k % 3 == 0:
            continue
        s += math.sin(x * k)
        if s > 1.5:
            break
    return s * x


def nested(x):
    s = 0.0
    for i in range(4):
        for j in range(i):
            s = s + x ** i * (j + 1)
            if j == 2:
                break
    return s


def loop_over_array(x):
    s = 0.0
    for v in x:
        s = s + v * v * SCALE
    return s


def enumerate_zip(a, b):
    s = 0.0
    for i, (ai, bi) in enumerate(zip(a, b)):
        s += ai * bi * (i + 1) + np.tanh(ai)
    return s


def sum_generator(x):
    s = sum(v * v * len(x) for v in x if v > -5.0)
    return s + sum([math.sin(x[0] * k) for k in range(3)], 1.0)


def reversed_loop(x):
    s = 1.0
    for v in reversed(x):
        s = s * 0.5 + v
    return s


def indexed_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + x[i] * x[i + 1] + x[i:i + 2].sum()
    return s


def rows_loop(W, x):
    s = 0.0
    for row in W:
        s = s + np.tanh(row @ x)
    return s


def first_big(v):
    for i, vi in enumerate(v):
        if vi > 0.5:
            return vi * i
    return np.sum(v)


def early_returns(x):
    if x < -2.0:
        return 0.0
    y = x * x
    for _ in range(3):
        y = y * 0.5 + x
        if y > 4.0:
            return y
    return y * 2.0


# ---------------------------------------------------------------- calls and recursion


def helper(a, b):
    return a * b, a + b


def uses_helper(x):
    p, q = helper(x, 3.0)
    r = helper(q, x)[0]
    return p * q + r


def square_sum(v):
    return np.sum(v * v)


def calls_array(x):
    return square_sum(np.sin(x)) + square_sum(x * SCALE)


def power(x, n):
    return 1.0 if n == 0 else x * power(x, n - 1)


def fib_like(x, n):
    if n <= 1:
        return x
    return fib_like(x, n - 1) + 0.5 * fib_like(x * x, n - 2)


# ---------------------------------------------------------------- arrays


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logreg(w, X, y):
    return np.mean(np.log1p(np.exp(-y * (X @ w))))


def mlp(W1, b1, W2, b2, X, rows, labels):
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    z = logits - np.max(logits, axis=1, keepdims=True)
    lse = np.log(np.sum(np.exp(z), axis=1))
    return np.mean(lse - z[rows, labels])


def broadcasting(a, b):
    return np.sum((a * b + a / (b * b + 1.0)) ** 2) + np.sum(np.maximum(a, b + 0.01))


def reductions(x):
    return np.sum(np.mean(x, axis=0) ** 2) + np.max(x, axis=1).sum() + np.prod(x[0])


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(np.abs(x)), 0.0))


def matrix_ops(W, x):
    h = np.tanh(W @ x)
    m = h.mean(axis=0)
    return np.sum(m * m) + h.T.dot(h).sum() + np.linalg.norm(W.T, axis=0).sum()


def slicing(x):
    return np.sum(x[:, 1:] * x[:, :-1]) + np.sum(x[0] ** 2) + np.sum(x[::-1, 0])


def stack_concat(x, y):
    s = np.stack([x, y * x])
    c = np.concatenate([x, y])
    return np.sum(s ** 2) + np.sum(c * c * 2.0)


def global_data(w):
    return np.sum((DATA @ w) ** 2)


def softplus(x):
    return np.log1p(np.exp(x))


# A table of functions, called through a key fixed before the code runs.
ACTIVATIONS = {"softplus": softplus, "tanh": np.tanh}
ACTIVATION = "softplus"


def table_calls(x):
    return np.sum(ACTIVATIONS[ACTIVATION](x) * ACTIVATIONS["tanh"](x))


def aug_array(x):
    y = x * 1.0
    y += 1.0
    y *= x
    y -= np.sum(y)
    return np.sum(y * y)


# ---------------------------------------------------------------- unsupported constructs


def uses_try(x):
    try:
        return x * 2
    except ValueError:
        return x


def uses_with(x):
    with open("f") as fh:
        fh.read()
    return x


def uses_global(x):
    global SCALE
    return x * SCALE


def uses_yield(x):
    yield x


def uses_lambda(x):
    g = lambda y: y * x  # noqa: E731
    return g(x)


def uses_inner_def(x):
    def g(y):
        return y * x
    return g(x)


def uses_class(x):
    class K:
        pass
    return x


def uses_attribute_assignment(x, obj):
    obj.value = x
    return x


def uses_setitem(x):
    y = np.zeros(3)
    y[0] = x
    return np.sum(y)


def uses_varargs(*xs):
    return xs[0]


def calls_varargs(x):
    return uses_varargs(x) * x


def uses_table_by_parameter(x, kind):
    return np.sum(ACTIVATIONS[kind](x))


def uses_append(x):
    out = []
    out.append(x)
    return x


def uses_comprehension(x):
    return np.sum(np.stack([x * k for k in range(3)]))


def uses_aliased_aug(x):
    y = x
    y += 1.0
    return np.sum(y * x)


def uses_tolist(x):
    v = x.tolist()  # staged, this once gave a silently zero gradient
    return v[0] * v[1]


def uses_float(x):
    return float(x) * x


def uses_unknown_call(x):
    return np.gradient(x).sum()


def uses_complex(x):
    return np.fft.fft(x).real.sum()
