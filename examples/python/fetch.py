"""An HTTP-like wait: the call blocks in time.sleep, as it would waiting for a server's reply,
and the GIL is free meanwhile.

    parlab run --py-func examples/python/fetch.py:fetch --tasks 8 --pool-size 2
"""

import time


def fetch(task):
    """Waits 50 ms, as a request to a slow server would, then returns a small 'response'."""
    time.sleep(0.05)
    return {"task": task, "status": 200, "body": f"item {task}"}
