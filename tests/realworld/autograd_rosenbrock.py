# ruff: noqa
# Source: autograd 1.9.1, examples/rosenbrock.py
# Repository: https://github.com/HIPS/autograd (release 1.9.1; the file is at that release's examples/rosenbrock.py)
# Obtained from: the PyPI distribution autograd-1.9.1.tar.gz (sdist) (pip download --no-deps)
# Licence: MIT; full text in LICENSES/autograd.txt
# Changed: `import autograd.numpy as np` became `import numpy as np`; kept rosenbrock verbatim; dropped
#   the value_and_grad/minimize script lines and their imports.

import numpy as np


def rosenbrock(x):
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
