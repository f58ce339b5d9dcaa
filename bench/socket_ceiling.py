"""The ceiling of a push to many sockets on this machine: a bare websocket server broadcasting.

A process of its own (``python -m bench.socket_ceiling PORT``) accepts sockets and, when one of
them sends ``{"count": n, "rate": r, "size": s}``, writes n frames of s bytes to every socket at r
a second, each stamped with the moment it was written. No database, no queue per socket, no
compression: what the gateway's fan-out is a ratio of. The client is the bench's own operator
socket reader, so both figures carry the same client costs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, broadcast, serve

from bench.console import Tally
from bench.progress import Progress
from bench.stats import percentile
from devstack.ports import free_port

CONNECT_AT_ONCE = 50


async def measure_broadcast(sockets: int, count: int, rate: float, frame_bytes: int) -> tuple[float, float]:
    """p50 and p99 seconds from the server writing a frame to each socket reading it."""
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.socket_ceiling", str(port), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        await asyncio.wait_for(server.stdout.readline(), 30)  # "listening"
        tally = Tally()
        clients: list[ClientConnection] = []
        progress = Progress("ceiling: raw websocket sockets connected", sockets)
        while len(clients) < sockets:
            batch = min(CONNECT_AT_ONCE, sockets - len(clients))
            clients += await asyncio.gather(
                *(connect(f"ws://127.0.0.1:{port}", compression=None, max_queue=None) for _ in range(batch))
            )
            progress.set(len(clients))
        progress.close()
        readers = [asyncio.create_task(_read(c, tally)) for c in clients]
        await clients[0].send(json.dumps({"count": count, "rate": rate, "size": frame_bytes}))
        with contextlib.suppress(TimeoutError):
            await tally.reach(count * sockets, 60 + count / rate)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    finally:
        server.terminate()
        await server.wait()
    latencies = tally.all_latencies()
    return percentile(latencies, 0.5), percentile(latencies, 0.99)


async def _read(client: ClientConnection, tally: Tally) -> None:
    async for raw in client:
        arrived = time.time()
        frame = json.loads(raw)
        tally.record(frame["n"], arrived - frame["at"])


async def _serve(port: int) -> None:
    clients: set[ServerConnection] = set()

    async def handle(socket: ServerConnection) -> None:
        clients.add(socket)
        try:
            async for raw in socket:
                order = json.loads(raw)
                asyncio.get_running_loop().create_task(_send(clients, order["count"], order["rate"], order["size"]))
        finally:
            clients.discard(socket)

    async with serve(handle, "127.0.0.1", port, compression=None):
        print("listening", flush=True)
        await asyncio.Future()


async def _send(clients: set[ServerConnection], count: int, rate: float, size: int) -> None:
    started = time.monotonic()
    for n in range(count):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        frame = {"n": str(n), "at": time.time(), "padding": ""}
        frame["padding"] = "x" * max(0, size - len(json.dumps(frame)))
        broadcast(clients, json.dumps(frame))


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
