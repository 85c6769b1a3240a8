"""A CPU loop: pure Python arithmetic, which holds the GIL the whole time.

    parlab run --py-func examples/python/cpu_loop.py:work --tasks 8 --pool-size 2
"""


def work(task):
    """Sums the squares below 300 000, shifted by the task's index: about 20 ms in CPython."""
    total = 0
    for i in range(300_000):
        total += (i + task) * (i + task) % 7
    return total
