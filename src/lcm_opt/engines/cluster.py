"""Work shipped to a Dask distributed cluster (docs/scaling.md says why Dask).

A cluster is used only where an address is given: `using(ADDRESS)` around the work (the
command line's `--cluster`), or the `LCM_OPT_CLUSTER` environment variable. Without one,
nothing here is imported or run. `run_all` submits one task per item and returns the
results in item order, whichever worker finishes first, so a clustered run writes the same
bytes as an in-process one.

Tasks run on the workers in-process: work never ships on from a worker, whatever the
worker's own environment says."""

from __future__ import annotations

import atexit
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from lcm_opt.errors import EngineError, LcmOptError, ScenarioError
from lcm_opt.progress import advance

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")

CLUSTER_ENV = "LCM_OPT_CLUSTER"
"""The address of the Dask scheduler to ship work to, e.g. tcp://10.0.0.5:8786."""

CONNECT_TIMEOUT_S = 10.0
"""How long to wait for the scheduler, and then for its first worker."""

_OFF = ""
_ADDRESS: ContextVar[str | None] = ContextVar("lcm_opt_cluster", default=None)
_CLIENTS: dict[str, Client] = {}


class ClusterError(EngineError):
    """The cluster could not be reached or could not run the work."""


def address() -> str | None:
    """The scheduler address work ships to now, or None: work runs in this process."""
    value = _ADDRESS.get()
    if value is None:
        value = os.environ.get(CLUSTER_ENV, "")
    return value.strip() or None


@contextmanager
def using(given: str | None) -> Iterator[None]:
    """Work inside ships to the cluster at `given` (None: at LCM_OPT_CLUSTER, if set).
    The cluster is reached at once, so an unreachable address fails before any work;
    the connection opened here is closed at the end."""
    token = _ADDRESS.set(given.strip() if given is not None else None)
    target = address()
    opened = target is not None and target not in _CLIENTS
    try:
        if target is not None:
            client(target)
        yield
    finally:
        _ADDRESS.reset(token)
        if opened and target is not None:
            _close(target)


@contextmanager
def in_process() -> Iterator[None]:
    """Work inside runs in this process, whatever LCM_OPT_CLUSTER says."""
    token = _ADDRESS.set(_OFF)
    try:
        yield
    finally:
        _ADDRESS.reset(token)


def client(target: str) -> Client:
    """The connection to the scheduler at `target`, opened once per process."""
    if target in _CLIENTS:
        return _CLIENTS[target]
    try:
        from lcm_opt.engines.cluster_client import QuietClient
    except ImportError:
        raise ClusterError(
            f"a cluster ({target}) needs the Python package `distributed`; "
            "install it with pip install 'lcm-opt[cluster]'"
        ) from None
    try:
        _probe(target)
        opened = QuietClient(target, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, ValueError) as exc:  # unreachable, timed out, a malformed address
        raise ClusterError(f"cannot reach the cluster at {target}: {_reason(exc)}") from None
    except Exception as exc:
        raise ClusterError(
            f"cannot reach the cluster at {target}: something answered there, but not a "
            f"Dask scheduler ({_reason(exc)})"
        ) from None
    try:
        _check_workers(opened, target)
    except BaseException:
        _shut(opened)
        raise
    _CLIENTS[target] = opened
    return opened


def _probe(target: str) -> None:
    """A malformed address or a refused TCP connection fails here at once, before a
    Client exists (a Client that fails to start waits out its timeout, then again when
    it is collected)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(target if "://" in target else f"tcp://{target}")
    if scheme in ("tcp", "tls", "ws", "wss"):
        host, port = parse_host_port(location)
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass


def _check_workers(opened: Client, target: str) -> None:
    """At least one worker, and every worker runs this version of lcm-opt: a worker
    with another version could compute other bytes."""
    from lcm_opt import __version__

    try:
        opened.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
    except Exception:
        raise ClusterError(
            f"the cluster at {target} has no workers (start some with `dask worker {target}`)"
        ) from None
    try:
        versions: dict[str, object] = opened.run(_worker_version)
    except Exception as exc:
        raise ClusterError(
            f"the workers of the cluster at {target} cannot run lcm-opt "
            f"(install lcm-opt {__version__} beside every worker): {_reason(exc)}"
        ) from None
    for worker, version in sorted(versions.items()):
        if version != __version__:
            raise ClusterError(
                f"worker {worker} of the cluster at {target} runs lcm-opt {version}, "
                f"this is {__version__}: every worker needs the same version"
            )


def _worker_version() -> str:
    from lcm_opt import __version__

    return __version__


def run_all(
    fn: Callable[..., T],
    items: Sequence[Any],
    counted: str,
    *,
    priority: Sequence[int] | None = None,
    shared: Mapping[str, object] | None = None,
) -> list[T]:
    """`fn(item, **shared)` for every item on the cluster; the results in `items` order.
    `shared` values are sent to the workers once, not with every task; a higher
    `priority` starts earlier. Progress counts finished items as `counted`."""
    target = address()
    if target is None:
        raise ClusterError("no cluster address is set")
    if not items:
        return []
    connection = client(target)
    futures: list[Any] = []
    try:
        refs = {
            name: connection.scatter(value, broadcast=True, hash=False)
            for name, value in (shared or {}).items()
        }
        for i, item in enumerate(items):
            rank = priority[i] if priority is not None else 0
            futures.append(connection.submit(_task, fn, item, pure=False, priority=rank, **refs))
        return _gather(connection, futures, counted)
    except LcmOptError:
        raise
    except Exception as exc:
        raise ClusterError(f"the cluster at {target} failed: {_reason(exc)}") from None
    finally:
        with suppress(Exception):
            connection.cancel(futures)


def _gather(connection: Client, futures: list[Any], counted: str) -> list[Any]:
    """The results in submission order; a failed task raises its own error (an input or
    engine error), the first in submission order, as an in-process run would."""
    from distributed import as_completed

    for done, _ in enumerate(as_completed(futures, loop=connection.loop), start=1):
        advance(counted, done, len(futures))
    for future in futures:
        if future.status == "error":
            future.result()
    return list(connection.gather(futures))


def _task(fn: Callable[..., T], item: object, **shared: object) -> T:
    """Runs on a worker: the work stays there."""
    try:
        with in_process():
            return fn(item, **shared)
    except ScenarioError as exc:  # sent back flat: the message is what the caller shows
        raise ScenarioError(exc.render()) from None
    except EngineError as exc:
        raise EngineError(str(exc)) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _close(target: str) -> None:
    opened = _CLIENTS.pop(target, None)
    if opened is not None:
        _shut(opened)


def _shut(opened: Client) -> None:
    with suppress(Exception):
        opened.close(timeout=CONNECT_TIMEOUT_S)


@atexit.register
def _close_all() -> None:
    for target in list(_CLIENTS):
        _close(target)
