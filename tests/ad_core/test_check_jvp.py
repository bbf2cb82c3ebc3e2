"""``ad.check_jvp``: a hand-written Jacobian-vector product against AD's forward mode, with
central differences along the direction beside it (how a Jacobian or Hessian too large to
check entry by entry is checked: along random directions)."""

from __future__ import annotations

import numpy as np

import ad_core as ad

A = np.arange(1.0, 21.0).reshape(5, 4) / 10


def f(x):
    return np.tanh(A @ x) + x[0] * x[1]


def jacobian(x):  # written out by hand, not by AD
    t = np.tanh(A @ x)
    J = (1 - t ** 2)[:, None] * A
    J[:, 0] += x[1]
    J[:, 1] += x[0]
    return J


X = np.array([0.3, -0.2, 0.5, 0.1])
V = np.array([0.5, -1.0, 0.25, 2.0])


def test_a_right_product_is_verified_against_ad_and_finite_differences():
    r = ad.check_jvp(f, (X,), (V,), jvp_fn=lambda x: jacobian(x) @ V)
    assert r.outcome == "verified" and r.ok and r.reference == "AD"
    comps = r.components()
    assert len(comps) == 5  # one per output element
    assert all(c.hand_ad and c.hand_fd and c.ad_fd for c in comps)


def test_a_wrong_row_is_named_by_its_output_index():
    J = jacobian(X)
    J[3, 2] += 0.5  # one wrong entry: row 3
    r = ad.check_jvp(f, (X,), (V,), jvp_fn=lambda x: J @ V)
    assert r.outcome == "wrong"
    assert r.mismatches == [(0, (3,))] and r.worst == (0, (3,))
    assert "(f·v)[3] off by 0.125" in r.message
    bad = [c for c in r.components() if c.hand_ad is False]
    assert [c.index for c in bad] == [(3,)]
    assert bad[0].ad_fd is True  # AD and finite differences agree on it


def test_several_arguments_take_one_tangent_each():
    def g(a, b):
        return np.stack([a * b, a + np.sin(b)])

    r = ad.check_jvp(g, (2.0, 0.5), (1.0, -1.0),
                     jvp_fn=lambda a, b: np.array([b - a, 1.0 - np.cos(b)]))
    assert r.outcome == "verified"
    r = ad.check_jvp(g, (2.0, 0.5), (1.0, -1.0),
                     jvp_fn=lambda a, b: np.array([b + a, 1.0 - np.cos(b)]))
    assert r.outcome == "wrong" and r.mismatches == [(0, (0,))]


def test_what_the_product_function_does_wrong_is_a_result_not_a_raise():
    def broken(x):
        raise ValueError("no")

    r = ad.check_jvp(f, (X,), (V,), jvp_fn=broken)
    assert r.outcome == "unverified" and "broken raised ValueError: no" in r.message
    r = ad.check_jvp(f, (X,), (V,), jvp_fn=lambda x: np.zeros(3))
    assert r.outcome == "unverified" and "shape (5,)" in r.message


def test_without_ad_finite_differences_verify_nothing():
    def opaque(x):  # AD cannot run through a float() of a traced value
        return np.array([float(np.sum(x)) ** 2, 1.0])

    s = float(np.sum(X))
    r = ad.check_jvp(opaque, (X,), (V,), jvp_fn=lambda x: np.array([2 * s * np.sum(V), 0.0]))
    assert r.outcome == "unverified" and "AD could not differentiate opaque" in r.message
    assert "agrees with finite differences" in r.message
