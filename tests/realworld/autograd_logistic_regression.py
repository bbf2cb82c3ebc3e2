# ruff: noqa
# Source: autograd 1.9.1, examples/logistic_regression.py
# Repository: https://github.com/HIPS/autograd (release 1.9.1; the file is at that release's examples/logistic_regression.py)
# Obtained from: the PyPI distribution autograd-1.9.1.tar.gz (sdist) (pip download --no-deps)
# Licence: MIT; full text in LICENSES/autograd.txt
# Changed: `import autograd.numpy as np` became `import numpy as np`; kept sigmoid,
#   logistic_predictions, training_loss and the toy data (inputs, targets) verbatim; dropped
#   the training loop, the check_grads call and the autograd imports.

import numpy as np


def sigmoid(x):
    return 0.5 * (np.tanh(x) + 1)



def logistic_predictions(weights, inputs):
    # Outputs probability of a label being true according to logistic model.
    return sigmoid(np.dot(inputs, weights))



def training_loss(weights):
    # Training loss is the negative log-likelihood of the training labels.
    preds = logistic_predictions(weights, inputs)
    label_probabilities = preds * targets + (1 - preds) * (1 - targets)
    return -np.sum(np.log(label_probabilities))



# Build a toy dataset.
inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.30], [0.74, -2.49, 1.39]])



targets = np.array([True, True, False, True])
