"""The boundary of the public API (SPEC §1): argnums, types, shapes, errors."""

from __future__ import annotations

import numpy as np
import pytest

import ad_core as ad


def f_xy(x, y):
    return x * x * y


def test_grad_argnums_int_selects_one_argument():
    assert ad.grad(f_xy, argnums=1)(3.0, 2.0) == 9.0
    assert ad.grad(f_xy)(3.0, 2.0) == 12.0


def test_grad_argnums_tuple_gives_a_tuple_in_that_order():
    assert ad.grad(f_xy, argnums=(1, 0))(3.0, 2.0) == (9.0, 12.0)
    g = ad.grad(f_xy, argnums=(0,))(3.0, 2.0)
    assert isinstance(g, tuple) and g == (12.0,)


def test_grad_negative_argnums_counts_from_the_end():
    assert ad.grad(f_xy, argnums=-1)(3.0, 2.0) == 9.0


def test_arguments_outside_argnums_pass_through_untouched():
    seen = {}

    def f(x, n, label):
        seen["n"], seen["label"] = n, label
        acc = 0.0
        for _ in range(n):  # n must still be an int
            acc = acc + x
        return acc

    assert ad.grad(f)(1.5, 3, "tag") == 3.0
    assert type(seen["n"]) is int and seen["label"] == "tag"
    assert ad.jacfwd(f)(1.5, 4, None) == 4.0
    assert ad.jacrev(f)(1.5, 2, object) == 2.0


def test_keyword_arguments_are_passed_through():
    assert ad.grad(lambda x, scale=1.0: scale * x * x)(2.0, scale=3.0) == 12.0


def test_output_returned_unchanged_when_it_is_an_earlier_argument():
    # The output is recorded before y: the backward pass never reaches y (its gradient is 0).
    assert ad.grad(lambda x, y: x, argnums=(0, 1))(1.0, 2.0) == (1.0, 0.0)
    assert ad.jacrev(lambda x, y: x, argnums=(0, 1))(1.0, 2.0) == (1.0, 0.0)
    _, f_vjp = ad.vjp(lambda x, y: x, 1.0, 2.0)
    assert f_vjp(1.0) == (1.0, 0.0)


def test_jacfwd_traces_every_argnum_so_array_methods_work_on_each():
    x, y = np.arange(6.0).reshape(2, 3), np.array([1.0, -1.0, 2.0])
    jx, jy = ad.jacfwd(lambda a, b: a.dot(b), argnums=(0, 1))(x, y)
    rx, ry = ad.jacrev(lambda a, b: a.dot(b), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(jy, x)
    np.testing.assert_array_equal(jx, rx)
    np.testing.assert_array_equal(jy, ry)


# ---------------------------------------------------------------- types and shapes


def test_scalar_results_are_python_floats():
    assert type(ad.grad(np.sin)(0.5)) is float
    assert type(ad.derivative(np.sin)(0.5)) is float
    v, g = ad.value_and_grad(np.sin)(0.5)
    assert type(v) is float and type(g) is float
    out, t = ad.jvp(np.sin, (0.5,), (1.0,))
    assert type(out) is float and type(t) is float
    assert type(ad.jacfwd(np.sin)(0.5)) is float
    assert type(ad.jacrev(np.sin)(0.5)) is float
    assert type(ad.hessian(np.sin)(0.5)) is float
    out, f_vjp = ad.vjp(np.sin, 0.5)
    assert type(out) is float and type(f_vjp(1.0)[0]) is float


def test_gradient_of_array_argument_is_ndarray_of_the_same_shape():
    x = np.ones((2, 3))
    g = ad.grad(lambda x: np.sum(x ** 3))(x)
    assert type(g) is np.ndarray and g.shape == (2, 3) and g.dtype == np.float64
    np.testing.assert_array_equal(g, 3.0 * np.ones((2, 3)))


def test_gradient_of_zero_d_array_argument_is_zero_d_array():
    g = ad.grad(lambda x: x * x)(np.array(3.0))
    assert isinstance(g, (np.ndarray, float)) and np.shape(g) == ()
    assert float(g) == 6.0


def test_python_ints_are_promoted_to_float():
    g = ad.grad(lambda x: x * x)(3)
    assert type(g) is float and g == 6.0
    assert ad.derivative(lambda x: x ** 3)(2) == 12.0


def test_integer_arrays_are_promoted_to_float64():
    g = ad.grad(lambda x: np.sum(x * x))(np.array([1, 2, 3]))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, [2.0, 4.0, 6.0])


@pytest.mark.parametrize("bad, kind", [("a", "str"), (None, "NoneType"), ([1.0, 2.0], "list"),
                                       (object(), "object"), (True, "bool")])
def test_non_numeric_argument_is_a_type_error_naming_the_parameter(bad, kind):
    def loss(weights, bias):
        return bias

    with pytest.raises(TypeError, match=r"'weights'") as e:
        ad.grad(loss)(bad, 1.0)
    assert kind in str(e.value)
    with pytest.raises(TypeError, match=r"'bias'"):
        ad.jacfwd(loss, argnums=1)(1.0, bad)
    with pytest.raises(TypeError, match=r"'bias'"):
        ad.jacrev(loss, argnums=(0, 1))(1.0, bad)


def test_bad_argument_without_a_parameter_name_is_named_by_position():
    with pytest.raises(TypeError, match=r"argument 1"):
        ad.grad(lambda *xs: xs[0], argnums=1)(1.0, "no")


def test_grad_of_a_vector_output_is_a_type_error_pointing_to_jacrev_or_vjp():
    with pytest.raises(TypeError) as e:
        ad.grad(lambda x: x * 2.0)(np.ones(3))
    assert "jacrev" in str(e.value) and "vjp" in str(e.value)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_output_of_shape_empty_or_size_one_counts_as_scalar(shape):
    g = ad.grad(lambda x: np.reshape(np.sum(x * x), shape))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 4.0])
    v, _ = ad.value_and_grad(lambda x: np.reshape(np.sum(x * x), shape))(np.array([1.0, 2.0]))
    assert type(v) is float and v == 5.0


def test_jacobian_shape_is_output_shape_plus_input_shape():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    f = lambda x: np.sum(x, axis=0)[:, None] * np.ones((1, 4))  # (3, 4)
    for jac in (ad.jacfwd, ad.jacrev):
        J = jac(f)(x)
        assert J.shape == (3, 4, 2, 3)
        np.testing.assert_array_equal(J[1, 2], [[0, 1, 0], [0, 1, 0]])
    assert ad.jacfwd(np.sum)(x).shape == (2, 3)
    assert ad.jacrev(lambda s: s * np.ones(3))(2.0).shape == (3,)


def test_jacobians_with_tuple_argnums_are_tuples():
    f = lambda x, y: x * y
    for jac in (ad.jacfwd, ad.jacrev):
        jx, jy = jac(f, argnums=(0, 1))(np.ones(2), 3.0)
        assert jx.shape == (2, 2) and jy.shape == (2,)
        np.testing.assert_array_equal(jx, 3.0 * np.eye(2))
        np.testing.assert_array_equal(jy, [1.0, 1.0])


def test_jacobians_of_tuple_outputs_are_tuples():
    f = lambda x: (x * 2.0, np.sum(x))
    for jac in (ad.jacfwd, ad.jacrev):
        a, b = jac(f)(np.ones(2))
        np.testing.assert_array_equal(a, 2.0 * np.eye(2))
        np.testing.assert_array_equal(b, [1.0, 1.0])


def test_hessian_with_tuple_argnums_is_nested_tuples():
    H = ad.hessian(lambda x, y: x * x * y + y ** 3, argnums=(0, 1))(1.0, 2.0)
    assert H == ((4.0, 2.0), (2.0, 12.0))
    H = ad.hessian(lambda x, y: np.sum(x ** 2) * y, argnums=(0, 1))(np.ones(2), 3.0)
    assert H[0][0].shape == (2, 2) and H[0][1].shape == (2,) and H[1][0].shape == (2,)
    assert type(H[1][1]) is float


def test_hessian_shape_is_input_shape_twice():
    H = ad.hessian(lambda x: np.sum(x ** 3))(np.ones((2, 2)))
    assert H.shape == (2, 2, 2, 2)
    assert H[1, 0, 1, 0] == 6.0 and H[1, 0, 0, 1] == 0.0


def test_jvp_requires_tuples_and_matching_shapes():
    with pytest.raises(TypeError, match="tuple"):
        ad.jvp(np.sin, 1.0, 1.0)
    with pytest.raises(ValueError):
        ad.jvp(np.sin, (np.ones(2),), (np.ones(3),))


def test_vjp_returns_one_cotangent_per_primal_of_its_shape():
    out, f_vjp = ad.vjp(lambda a, b: a @ b, np.ones((2, 3)), np.ones(3))
    ga, gb = f_vjp(np.array([1.0, 2.0]))
    assert ga.shape == (2, 3) and gb.shape == (3,)
    np.testing.assert_array_equal(ga, [[1, 1, 1], [2, 2, 2]])
    np.testing.assert_array_equal(gb, [3.0, 3.0, 3.0])


def test_derivative_rejects_array_arguments():
    with pytest.raises(TypeError, match="jacfwd"):
        ad.derivative(np.sin)(np.ones(2))


def test_output_independent_of_input_has_zero_gradient():
    assert ad.grad(lambda x: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(ad.grad(lambda x: np.ones(()))(np.ones(2)), [0.0, 0.0])
    np.testing.assert_array_equal(ad.jacrev(lambda x: np.ones(2))(np.ones(3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(ad.jacfwd(lambda x: np.ones(2))(np.ones(3)), np.zeros((2, 3)))


def test_gradient_twice_gives_the_same_answer():
    f = ad.grad(lambda x: np.sum(np.sin(x) * x))
    x = np.array([0.1, 0.2])
    a, b = f(x), f(x)
    np.testing.assert_array_equal(a, b)
    _, f_vjp = ad.vjp(lambda x: np.sin(x) * x, x)
    np.testing.assert_array_equal(f_vjp(np.ones(2))[0], f_vjp(np.ones(2))[0])


def test_gradient_is_not_a_view_into_the_caller_input():
    x = np.array([1.0, 2.0])
    g = ad.grad(lambda x: np.sum(x))(x)
    g += 1.0
    np.testing.assert_array_equal(x, [1.0, 2.0])
    assert ad.grad(lambda x: np.sum(x))(x).flags.writeable
