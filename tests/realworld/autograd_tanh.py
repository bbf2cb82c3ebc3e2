# ruff: noqa
# Source: autograd 1.9.1, examples/tanh.py
# Repository: https://github.com/HIPS/autograd (release 1.9.1; the file is at that release's examples/tanh.py)
# Obtained from: the PyPI distribution autograd-1.9.1.tar.gz (sdist) (pip download --no-deps)
# Licence: MIT; full text in LICENSES/autograd.txt
# Changed: `import autograd.numpy as np` became `import numpy as np`; kept tanh verbatim; dropped the
#   plotting script and the autograd/matplotlib imports.

import numpy as np


def tanh(x):
    return (1.0 - np.exp(-2 * x)) / (1.0 + np.exp(-(2 * x)))
