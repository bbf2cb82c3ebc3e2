"""Stop 3: operator overloading vs source transformation.

*Operator overloading* (what `ad_core.grad` does) runs `f` once with traced
values and records every operation: the Wengert list. Hover a line in the
body of `energy` to see the intermediates it made, their values and their
adjoints (∂energy/∂v), or print the whole list:
`adlens check examples/03_overloading_vs_transformation.py --trace`.

*Source transformation* (what `ad_core.symbolic` does, like Tangent) reads
the code and writes a new function that computes the gradient. Run
`python examples/03_overloading_vs_transformation.py` to print the generated
`energy_grad` source; the editor command "AD Lens: insert gradient" pastes it
below the function.
"""

import math


# adlens: x=1.2, v=0.5
def energy(x, v):
    """A pendulum's energy: kinetic plus potential (m = g = l = 1)."""
    kinetic = 0.5 * v * v
    potential = 1 - math.cos(x)
    return kinetic + potential


if __name__ == "__main__":  # never run by AD Lens
    import inspect

    import ad_core as ad

    print(ad.trace(energy, 1.2, 0.5))
    print()
    print(ad.symbolic.from_source(inspect.getsource(energy), "energy").gradient_source())
