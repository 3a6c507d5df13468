"""The Dask client, imported only when a cluster address is given (cluster.py)."""

from __future__ import annotations

from contextlib import suppress

from distributed import Client

CLOSE_TIMEOUT_S = 2.0


class QuietClient(Client):
    """A Client whose start failed (an address that answers but is no Dask scheduler)
    is closed without a traceback when collected, and quickly: the caller has already
    reported why it could not connect."""

    def __del__(self) -> None:
        with suppress(Exception):
            self.close(timeout=CLOSE_TIMEOUT_S)
