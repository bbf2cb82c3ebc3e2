"""NumPy functions on traced values, by family: what ``np.sum(x, ...)`` & co. do
when ``x`` is traced. Each module holds plain functions with NumPy's own
signature and a ``FUNCTIONS`` table ({numpy function: handler});
``ad_core/_dispatch.py`` registers them.

The rule every handler keeps: each keyword argument NumPy accepts is honoured
(with a correct derivative) or refused with an error that names it; none is
dropped. ``tests/ad_core/test_numpy_keywords.py`` checks that against NumPy for
every registered function.
"""
