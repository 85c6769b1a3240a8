"""A CPU loop: pure Python arithmetic, which holds the GIL the whole time.

    parlab run --py-func examples/python/cpu_loop.py:work --tasks 8 --pool-size 2
"""


def work(task):
    """Sums the squares below 300 000, shifted by the task's index: about 20 ms in CPython."""
    total = 0
    for i in range(300_000):
        total += (i + task) * (i + task) % 7
    return total


def check(task, value):
    """An independent check (--py-check cpu_loop.py:check): squares mod 7 repeat every 7 numbers
    (0, 1, 4, 2, 2, 4, 1: 14 a period), so the sum has a closed form."""
    periods, rest = divmod(300_000, 7)
    tail = sum((periods * 7 + j + task) ** 2 % 7 for j in range(rest))
    return value == periods * 14 + tail
