"""An `async def` that awaits asyncio.sleep, as an aiohttp or httpx call would: py-asyncio awaits
it on one event loop; the other approaches run each call with asyncio.run.

    parlab run --py-func examples/python/async_fetch.py:fetch --tasks 8 --pool-size 2
"""

import asyncio


async def fetch(task):
    """Waits 50 ms on the event loop, then returns a small 'response'."""
    await asyncio.sleep(0.05)
    return {"task": task, "status": 200}
