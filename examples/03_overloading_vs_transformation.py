"""Stop 3: operator overloading vs source transformation.

The two ways of implementing automatic differentiation, on one function:
`swing` steps a pendulum forward in time (a loop) and adds a little friction
when it swings fast (a branch).

*Operator overloading* (what `ad_core.grad` does) runs `swing` once with
traced values and records every operation: the Wengert list, with the loop
unrolled, eight steps of rows. Hover a line in the body of `swing` to see the
intermediates it made, their values and their adjoints, or print the list:
`adlens check examples/03_overloading_vs_transformation.py --trace`.

*Source transformation* (what `ad_core.sct` does, as Google Tangent did)
reads the code and writes a new function, `swing_grad`: the loop stays a loop
and the branch a branch; the backward sweep walks them in reverse, re-running
each step from the one value per step it kept. Run
`python examples/03_overloading_vs_transformation.py` to print both.
"""

import numpy as np


# adlens: x=1.2, v=0.5
def energy(x, v):
    """A pendulum's energy: kinetic plus potential (m = g = l = 1)."""
    kinetic = 0.5 * v * v
    potential = 1 - np.cos(x)
    return kinetic + potential


# adlens: x=1.2, v=0.5
def swing(x, v, steps=8):
    """The energy after `steps` steps (semi-implicit Euler), damped when fast."""
    dt = 0.1
    for _ in range(steps):
        v = v - dt * np.sin(x)
        if abs(v) > 1.0:
            v = 0.9 * v
        x = x + dt * v
    return energy(x, v)


if __name__ == "__main__":  # never run by AD Lens
    import ad_core as ad

    print("Operator overloading: the Wengert list ad.grad records for swing(1.2, 0.5)")
    print(ad.trace(swing, 1.2, 0.5, argnums=(0, 1)))
    print()
    print("Source transformation: the code ad.sct writes for the gradient of swing")
    print(ad.sct.source(swing, argnums=(0, 1), like=(1.2, 0.5)))
    print("gradient by overloading:     ", ad.grad(swing, argnums=(0, 1))(1.2, 0.5))
    print("gradient by transformation:  ", ad.sct.grad(swing, argnums=(0, 1))(1.2, 0.5))
