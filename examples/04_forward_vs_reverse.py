"""Stop 4: forward vs reverse mode.

Forward mode pushes one tangent through `f` per *input*; reverse mode pulls
one cotangent back per *output*. So:

- `loss`, R⁸ → R: reverse needs 1 pass, forward 8: reverse wins;
- `trajectory`, R → R⁶: forward needs 1 pass, reverse 6: forward wins.

The cost line of each card (and its code lens) says how many passes each mode
needs and which one AD Lens recommends.
"""

import numpy as np


# adlens: w=[0.1, -0.2, 0.3, 0.05, -0.4, 0.25, 0.0, 0.15]
def loss(w):
    """A smooth scalar loss of 8 weights."""
    return np.sum(np.log(1 + np.exp(w))) + 0.5 * np.dot(w, w)


# adlens: t=0.4
def trajectory(t):
    """A point moving on a helix, sampled at 2 times: 6 outputs from 1 input."""
    times = np.stack([t, 2 * t])
    return np.concatenate([np.cos(times), np.sin(times), times])
