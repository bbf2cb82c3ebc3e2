"""Stop 6: real models, written with plain NumPy.

- `logistic_regression`: mean cross-entropy of a linear classifier on a tiny
  data set (the data are module constants; AD Lens runs only the imports,
  defs and literal constants of this file, never its top-level code);
- `mlp_loss`: a two-layer perceptron's squared error;
- `spring_chain_energy`: the potential energy of masses joined by springs.

Each card shows the gradient at the point, the finite-difference check and
whether forward or reverse mode is cheaper (reverse: many inputs, one loss).
"""

import numpy as np

X = np.array([[0.5, 1.2], [-1.0, 0.3], [1.5, -0.7], [0.2, 0.9]])
Y = np.array([1.0, 0.0, 1.0, 0.0])
REST_LENGTH = 1.0
STIFFNESS = 4.0


# adlens: w=[0.3, -0.1], b=0.05
def logistic_regression(w, b):
    z = X @ w + b
    p = 1 / (1 + np.exp(-z))
    return -np.mean(Y * np.log(p) + (1 - Y) * np.log(1 - p))


# adlens: W1=[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]], W2=[0.3, -0.6, 0.2]
def mlp_loss(W1, W2):
    hidden = np.tanh(X @ W1.T)
    out = hidden @ W2
    return np.mean((out - Y) ** 2)


# adlens: positions=[0.0, 1.1, 1.9, 3.2]
def spring_chain_energy(positions):
    stretch = np.diff(positions) - REST_LENGTH
    return 0.5 * STIFFNESS * np.sum(stretch**2)
