"""In-place writes into traced arrays, views, and np.array of traced values.

NumPy semantics, checked against NumPy itself: the value of a function that
writes in place is the same with tracers as without, and its derivative (both
modes) is the finite difference of the plain-NumPy function.
"""

from __future__ import annotations

import numpy as np
import pytest
from adcheck_helpers import assert_close, fd_jacobian

import ad_core as ad
from ad_core._numpy.creation import array_constructors

X = np.array([0.5, -1.2, 2.0, 0.7])


def _agrees_with_numpy(f, x=X):
    want = f(x.copy())
    J = fd_jacobian(lambda v: f(np.array(v, dtype=float)), (x,))
    for name, jac in (("jacrev", ad.jacrev), ("jacfwd", ad.jacfwd)):
        assert_close(ad.jvp(f, (x,), (x,))[0], want, 1e-14, 1e-14, f"{name} primal")
        assert_close(np.reshape(jac(f)(x), J.shape), J, 1e-6, 1e-7, name)


def _setitem_loop(x):
    out = np.zeros_like(x)
    for i in range(len(x)):
        out[i] = np.sin(x[i]) * x[(i + 1) % len(x)]
    return out


def _augmented(x):
    y = x * 2.0
    y += x ** 2
    y[1:] -= y[:-1]       # reads a view of y, then writes into y
    y *= 3.0
    y /= 1.5
    return y


def _views(x):
    y = x.reshape(2, 2) * 1.0
    row = y[0]            # a view
    row[1] = 10.0 * x[3]  # ... seen in y
    t = y.T               # another view
    t[0, 1] = x[0] ** 3   # ... seen in y and in row
    return np.concatenate([y.ravel(), row])


def _names_share(x):
    y = x * 1.0
    z = y             # the same array: z sees the write
    y[0] = 7.0
    return z * x


def _out_argument(x):
    y = np.zeros_like(x)
    np.multiply(x, x, out=y)
    np.add(y, 1.0, out=y, where=x > 0)
    return y


def _in_place_functions(x):
    y = x * 1.0
    np.copyto(y, x[::-1] ** 2, where=x > 0)
    np.put(y, [0, 3], x[:2] * 5.0)
    np.add.at(y, [1, 1, 2], x[3])
    y.sort()
    return y


def _plain_accumulator(x):
    acc = np.zeros(4)
    for k in range(3):
        acc += x * k       # a plain ndarray += traced: Python rebinds acc
    acc -= 1.0
    return acc


def _repeated_fancy_write(x):
    y = x * 1.0
    y[[0, 2, 0]] = x[1:] * 3.0     # the last write of a repeated index wins, as NumPy's
    y[np.array([True, False, True, False])] = -x[:2]
    return y


@pytest.mark.parametrize("f", [_setitem_loop, _augmented, _views, _names_share, _out_argument,
                               _in_place_functions, _plain_accumulator,
                               _repeated_fancy_write])
def test_in_place_writes_give_numpys_values_and_derivatives(f):
    _agrees_with_numpy(f)


def test_hessian_through_in_place_writes():
    def f(x):
        y = np.zeros_like(x)
        y[0] = x[0] * x[1]
        y[1:] = np.sin(x[1:])
        return np.sum(y * y)

    H = ad.hessian(f)(X)
    assert_close(H, ad.jacrev(ad.jacrev(f))(X), 1e-12, 1e-12, "hessian")
    assert_close(H, ad.jacfwd(ad.jacfwd(f))(X), 1e-12, 1e-12, "jacfwd(jacfwd)")


def test_inputs_are_not_modified_and_gradients_stay_with_their_inputs():
    x = X.copy()

    def f(x):
        x[0] = 0.0       # writes into the traced input, not the caller's array
        x += 1.0
        return np.sum(x * x)

    g = ad.grad(f)(x)
    np.testing.assert_array_equal(x, X)
    np.testing.assert_allclose(g, [0.0] + list(2 * (X[1:] + 1.0)))


def test_read_only_views_refuse_writes_as_numpy_does():
    def f(x):
        d = np.diagonal(x.reshape(2, 2))
        d[0] = 1.0
        return d

    with pytest.raises(ValueError, match="read-only"):
        f(X.copy())
    with pytest.raises(ValueError, match="read-only"):
        ad.jacrev(f)(X)


def test_plain_accumulator_with_another_reference_is_refused_naming_the_line():
    def f(x):
        acc = np.zeros(4)
        keep = [acc]     # NumPy would write x into the list's array too
        acc += x
        return acc + keep[0]

    with pytest.raises(TypeError, match=r"line \d+ of .*test_inplace_and_arrays.py"):
        ad.grad(lambda x: np.sum(f(x)))(X)


def test_plain_view_accumulator_is_refused():
    def f(x):
        buf = np.zeros((2, 4))
        row = buf[0]
        row += x
        return buf

    with pytest.raises(TypeError, match="a += x|shared memory|plain"):
        ad.jacrev(f)(X)


def test_explicit_out_into_a_plain_array_is_refused_naming_the_line():
    def f(x):
        out = np.empty(4)
        np.sin(x, out=out)
        return out

    with pytest.raises(TypeError, match=r"out=.*line \d+"):
        ad.jacrev(f)(X)


def test_writing_a_traced_value_into_a_plain_array_names_the_line_and_the_fix():
    def f(x):
        a = np.zeros(3)
        a[1] = x
        return np.sum(a)

    with pytest.raises((TypeError, ValueError)) as e:
        ad.grad(f)(1.0)
    chain, err = [], e.value
    while err is not None:
        chain.append(str(err))
        err = err.__cause__ or err.__context__
    text = " ".join(chain)
    assert "zeros_like" in text and "test_inplace_and_arrays.py" in text


def test_inner_transform_value_written_into_outer_array_is_refused():
    def outer(x):
        y = x * 1.0

        def inner(s):
            y[0] = s * s     # s is traced by the inner transform only
            return y[0]

        return ad.derivative(inner)(2.0) * np.sum(y)

    with pytest.raises(TypeError, match="inner transform"):
        ad.grad(outer)(X)


def test_in_place_write_into_a_variable_is_refused():
    v = ad.Variable(np.ones(3))
    with pytest.raises(TypeError, match="Variable"):
        v[0] = 2.0


def test_scalar_augmented_assignment_rebinds_like_python_floats():
    def f(x):
        s = x
        s += 1.0          # s is a new value; x is unchanged
        return s * x

    assert ad.derivative(f)(3.0) == 7.0
    assert ad.grad(f)(3.0) == 7.0


# ---------------------------------------------------------------- np.array of traced values


def test_np_array_of_traced_values_is_refused_naming_the_line():
    with pytest.raises(TypeError, match=r"np.stack.*|line \d+"):
        ad.grad(lambda x: np.sum(np.array([x, 2.0 * x])))(1.0)


def test_array_constructors_hook_builds_traced_arrays():
    def f(x):
        a = np.array([x[0], 2.0 * x[1], [3.0, x[2]][1]])
        b = np.asarray(x[:3]) * a
        return np.atleast_1d(np.sum(b))

    plain = np.array
    with array_constructors():
        assert np.array is not plain  # patched inside the block
        J = ad.jacrev(f)(X)
        Jf = ad.jacfwd(f)(X)
    assert np.array is plain  # and restored
    want = fd_jacobian(lambda v: f(np.array(v, dtype=float)), (X,))
    assert_close(J.reshape(want.shape), want, 1e-6, 1e-7, "jacrev")
    assert_close(Jf, J, 1e-12, 1e-12, "jacfwd")


def test_array_constructors_hook_makes_isscalar_true_for_traced_numbers():
    # pycma's cigar: `x = [x] if isscalar(x[0]) else x`, then `for x in x`
    def cigar(x):
        x = [x] if np.isscalar(x[0]) else x
        f = [x[0] ** 2 + 1e6 * np.sum(x[1:] ** 2) for x in x]
        return f if len(f) > 1 else f[0]

    plain = np.isscalar
    with array_constructors():
        g = ad.grad(cigar)(X)
        assert np.isscalar(1.0) and not np.isscalar(X)  # plain values: NumPy's answer
        seen: list[bool] = []
        ad.grad(lambda v: seen.append(np.isscalar(v)) or np.sum(v))(X)
        assert seen == [False]  # a traced vector is not a scalar
    assert np.isscalar is plain
    want = fd_jacobian(lambda v: np.atleast_1d(cigar(np.array(v, dtype=float))), (X,))
    assert_close(g, want.reshape(g.shape), 1e-6, 1e-4, "grad")


def test_array_constructors_hook_lets_reductions_take_lists_of_traced_values():
    # PINTS' Neal's funnel: np.sum([scipy.stats.norm.logpdf(y, ...) for y in x[:-1]])
    def f(x):
        terms = [np.sin(v) * v for v in x]
        return np.sum(terms) + np.prod((x[0], x[1], 2.0)) + np.max([x[2], 0.0])

    with array_constructors():
        g_rev, g_fwd = ad.grad(f)(X), ad.jacfwd(f)(X)
        assert np.sum([1, 2, 3]) == 6 and np.max((1.0, 5.0)) == 5.0  # plain: NumPy's
    with pytest.raises(TypeError):  # outside the hook NumPy converts the list: refused
        ad.grad(f)(X)
    want = fd_jacobian(lambda v: np.atleast_1d(f(np.array(v, dtype=float))), (X,))
    assert_close(g_rev, want.reshape(g_rev.shape), 1e-6, 1e-6, "grad")
    assert_close(g_fwd, g_rev, 1e-12, 1e-12, "jacfwd")


def test_setitem_rebinding_keeps_the_derivative_of_a_write_into_a_lone_plain_array():
    # what the kernel's rewrite of `v[t1] = z[t1] ** 2 * 0.5` calls (statsmodels' Hampel)
    from ad_core._numpy.inplace import setitem_rebinding

    def rho(z):
        v = np.zeros(z.shape)
        t1 = np.abs(z) <= 1.0
        v = setitem_rebinding(z[t1] ** 2 * 0.5, v, t1)
        v = setitem_rebinding(np.abs(z[~t1]) - 0.5, v, ~t1)
        v = setitem_rebinding(np.sin(z[0]), v, slice(0, 1))
        return np.sum(v ** 2)

    z = np.array([0.3, -2.0, 0.7, 1.5])
    want = fd_jacobian(lambda u: np.atleast_1d(rho(np.array(u, dtype=float))), (z,))
    g, gf = ad.grad(rho)(z), ad.jacfwd(rho)(z)
    assert_close(g, want.reshape(g.shape), 1e-6, 1e-6, "grad")
    assert_close(gf, g, 1e-12, 1e-12, "jacfwd")
    h = ad.hessian(rho)(z)
    hf = fd_jacobian(lambda u: ad.grad(rho)(np.array(u, dtype=float)), (z,))
    assert_close(h, hf.reshape(h.shape), 1e-5, 1e-5, "hessian")
    assert rho(z) == pytest.approx(float(np.sum(_plain_rho(z) ** 2)))


def _plain_rho(z):
    v = np.zeros(z.shape)
    t1 = np.abs(z) <= 1.0
    v[t1] = z[t1] ** 2 * 0.5
    v[~t1] = np.abs(z[~t1]) - 0.5
    v[0:1] = np.sin(z[0])
    return v


def test_setitem_rebinding_refuses_a_shared_plain_array_and_leaves_other_writes_to_numpy():
    from ad_core._numpy.inplace import setitem_rebinding

    def aliased(x):
        v = np.zeros(2)
        w = v  # another name sees v's memory: rebinding v would hide the write from w
        v = setitem_rebinding(x[0], v, 0)
        return np.sum(w)

    def a_view(x):
        base = np.zeros(3)
        v = base[:2]
        v = setitem_rebinding(x[0], v, 0)
        return np.sum(base)

    with pytest.raises(TypeError, match=r"something else also refers to"):
        ad.grad(aliased)(X)
    with pytest.raises((TypeError, ValueError)):  # a view: NumPy's own write, refused
        ad.grad(a_view)(X)
    plain = np.zeros(3)
    assert setitem_rebinding(2.0, plain, 1) is plain and plain[1] == 2.0  # no tracer


def test_like_argument_dispatches_np_array_to_ad_core():
    def f(x):
        return np.array([x[0], x[1]], like=x) * 3.0

    np.testing.assert_array_equal(ad.jacrev(f)(X)[:, :2], 3.0 * np.eye(2))


def test_atleast_nd_on_traced_values():
    f = lambda x: np.atleast_2d(x[0]) * np.atleast_3d(x)[0, :, 0]  # noqa: E731
    _agrees_with_numpy(f)
