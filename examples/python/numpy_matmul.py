"""A numpy call that releases the GIL: a matrix product runs in BLAS, outside the interpreter,
so threads can overlap it. Needs numpy (pip install numpy); without it the import fails and
parlab says so before measuring anything.

    parlab run --py-func examples/python/numpy_matmul.py:matmul --tasks 8 --pool-size 2
"""

import numpy as np


def matmul(task):
    """Multiplies two 300x300 matrices seeded by the task's index; returns a rounded checksum."""
    rng = np.random.default_rng(task)
    a = rng.random((300, 300))
    b = rng.random((300, 300))
    return round(float((a @ b).sum()), 3)
