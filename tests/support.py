"""How a test runs a service: :func:`serve`, in this process with no socket, or on loopback.

``serve(app)`` runs an ASGI app in this process and opens no socket: requests reach it through
``served.transport``, a synchronous ``httpx`` transport, or through a client from
``served.client()``. Use it wherever the caller under test takes an ``httpx`` client or transport
(the seam every service and client has, e.g. ``RegistryClient(url, http)``,
``make_client(settings, transport=...)``); it is the faster of the two.

``serve(app, loopback=True)`` runs the app on a real uvicorn server on 127.0.0.1, on a
background thread, for whatever needs a socket: TLS, a command-line subprocess or a browser
calling the service, services that reach one another by URL (the whole sandbox,
:func:`serve_sandbox`), and tests about connections themselves. ``served.transport`` is then
None: any client reaches ``served.url``.

Both start at once and return a :class:`Served`, a context manager; ``stop()`` also ends it,
and whatever a test leaves running is stopped when the test ends (an autouse fixture in
conftest; a service a module- or session-scoped fixture starts is that fixture's to stop). The
app's lifespan (start-up and shutdown handlers) runs in both modes unless ``lifespan=False``.

Tests about the services as separate processes (as docker-compose runs them) start them with
:func:`serve_process`, which returns the same kind of handle.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from scenarios import personas

EXE = str(Path(sys.executable).with_name("pctf-sandbox"))
# A URL each service answers 200 on once it is up (a service alone has no /health).
PROBES = {"registry": "/registry/metadata", "issuers": "/issuers", "wallet": "/wallet/docs", "verifier": "/verifier"}
START_SECONDS = 60
_RUNNING: set[Served] = set()  # started and not yet stopped


def running_services() -> set[Served]:
    """What :func:`serve`, :func:`serve_sandbox` and :func:`serve_process` started and nothing
    has stopped yet (conftest stops what a test leaves running when it ends)."""
    return set(_RUNNING)


def outlives_the_test(served: Served) -> Served:
    """``served`` belongs to a module's fixture, which stops it: the end of the test that (re)started
    it does not."""
    _RUNNING.discard(served)
    return served


class Served:
    """A service a test runs: ``url`` reaches it through ``transport`` (None: through any client).
    ``app`` is what runs (the ASGI app, or the process of :func:`serve_process`)."""

    def __init__(
        self,
        app: Any,
        url: str,
        transport: httpx.BaseTransport | None,
        stop: Callable[[], None],
        probe: str | None = None,
    ) -> None:
        self.app = app
        self.url = url
        self.transport = transport
        self.probe = probe
        self._stop: Callable[[], None] | None = stop
        _RUNNING.add(self)

    def client(self, **kwargs) -> httpx.Client:
        """An ``httpx`` client whose relative URLs go to this service (``kwargs`` go to ``httpx.Client``)."""
        kwargs.setdefault("timeout", 15)
        return httpx.Client(base_url=self.url, transport=self.transport, **kwargs)

    def stop(self) -> None:
        """Shut the service down (only the first call does); a request sent to it afterwards fails
        to connect."""
        stop, self._stop = self._stop, None
        _RUNNING.discard(self)
        if stop is not None:
            stop()

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def serve(
    app: Any,
    *,
    loopback: bool = False,
    url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: bool = True,
    raise_app_exceptions: bool = True,
    **uvicorn_config,
) -> Served:
    """Run the ASGI ``app`` for a test; see the module docstring for the two modes.

    In process, ``url`` (default ``http://testserver``) is only what requests are addressed to,
    and an exception the app raises reaches the test unless ``raise_app_exceptions=False`` (then
    it answers 500). On loopback, the server listens on ``host:port`` (``port=0``: a free one),
    ``url`` (default ``http(s)://host:port``) is what ``served.url`` says, and ``uvicorn_config``
    goes to ``uvicorn.Config`` (e.g. ``ssl_certfile`` and ``ssl_keyfile`` for TLS).
    """
    if loopback:
        return _serve_on_loopback(app, url, host, port, lifespan, uvicorn_config)
    if uvicorn_config:
        raise TypeError(f"{', '.join(sorted(uvicorn_config))}: uvicorn settings need loopback=True")
    return _serve_in_process(app, url or "http://testserver", lifespan, raise_app_exceptions)


def serve_sandbox(settings, clock=None, **build) -> Served:
    """Every service on one real uvicorn server at ``settings.host:settings.port``, as
    ``pctf-sandbox up`` runs them; ``build`` goes to ``cli.stack.build_app`` (``withhold``,
    ``bus``) and ``served.app`` is its dispatcher. On loopback, because the services call one
    another (and the wallet calls issuers) by URL."""
    from cli.stack import build_app

    return serve(
        build_app(settings, clock, **build),
        loopback=True,
        host=settings.host,
        port=settings.port,
        url=settings.base_url,
    )


def serve_process(
    service: str,
    env: dict[str, str],
    *,
    port: int = 0,
    wait: bool = True,
    args: tuple[str, ...] = (),
    probe: str | None = None,
) -> Served:
    """``pctf-sandbox serve SERVICE [ARGS]`` as a process of its own on 127.0.0.1 (``port=0``: a
    free one), configured by ``env``. With ``wait``, returns once the service answers its probe
    (``probe``, a path; default: one of :data:`PROBES`); otherwise pass the handles to
    :func:`wait_until_answering` (to start several at once). ``served.app`` is the process;
    ``stop()`` terminates it."""
    port = port or free_port()
    proc = subprocess.Popen(
        [EXE, "serve", service, "--host", "127.0.0.1", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)
        if proc.stderr is not None:
            proc.stderr.close()

    url = f"http://127.0.0.1:{port}"
    served = Served(proc, url, None, stop, probe=url + (probe or PROBES[service]))
    if wait:
        try:
            wait_until_answering(served)
        except BaseException:
            served.stop()
            raise
    return served


def wait_until_answering(*processes: Served, seconds: float = START_SECONDS) -> None:
    """Wait until every service from :func:`serve_process` answers 200 on its probe URL."""
    deadline = time.monotonic() + seconds
    with httpx.Client(timeout=2) as http:
        for served in processes:
            while True:
                try:
                    if http.get(served.probe).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                proc = served.app
                assert proc.poll() is None, f"{served.probe}: the process exited\n" + (
                    proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
                )
                assert time.monotonic() < deadline, f"{served.probe} did not answer"
                time.sleep(0.05)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


# -- on loopback --------------------------------------------------------------------------------
def _serve_on_loopback(app, url, host, port, lifespan, config) -> Served:
    # IPPROTO_TCP by name: asyncio then sets TCP_NODELAY on each connection, as on the sockets
    # uvicorn opens itself. Without it, an answer's body waits for the client's delayed ACK (~40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restarted server takes its port back at once
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    port = sock.getsockname()[1]
    # A dashboard's live event stream stays open: a stopping server gives it seconds, not forever.
    defaults = {"log_level": "warning", "access_log": False, "proxy_headers": False, "timeout_graceful_shutdown": 3}
    config = defaults | config
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, lifespan="on" if lifespan else "off", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            raise AssertionError(f"uvicorn did not start on {host}:{port}")
        time.sleep(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(20)
        sock.close()

    scheme = "https" if config.get("ssl_certfile") else "http"
    return Served(app, url or f"{scheme}://{host}:{port}", None, stop)


# -- in process ---------------------------------------------------------------------------------
class _EventLoop:
    """An asyncio event loop on a daemon thread, which runs the app's lifespan and its requests."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), name="asgi-in-process", daemon=True)
        self._thread.start()
        self._ready.wait()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._done = asyncio.Event()
        self._ready.set()
        await self._done.wait()  # the root task: when it ends, the app's worker threads end too

    def run(self, coroutine, timeout: float | None = None):
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("an in-process app cannot call itself from its event loop; serve it on loopback")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._done.set)
        self._thread.join(20)


class _Lifespan:
    """The ASGI lifespan protocol as a server speaks it: start-up, then shutdown when asked."""

    def __init__(self, app) -> None:
        self.app = app
        self.task: asyncio.Future | None = None

    async def startup(self) -> None:
        self.to_app, self.from_app = asyncio.Queue(), asyncio.Queue()
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self.task = asyncio.ensure_future(self.app(scope, self.to_app.get, self.from_app.put))
        await self.to_app.put({"type": "lifespan.startup"})
        message = await self._answer()
        if message is None:  # the app does not speak the protocol: nothing to run (uvicorn's "auto")
            self.task = None
        elif message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the app failed to start: {message.get('message', '')}")

    async def shutdown(self) -> None:
        if self.task is None:
            return
        await self.to_app.put({"type": "lifespan.shutdown"})
        message = await self._answer()
        if message is not None and message["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(f"the app failed to shut down: {message.get('message', '')}")

    async def _answer(self) -> dict | None:
        answer = asyncio.ensure_future(self.from_app.get())
        await asyncio.wait({answer, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if answer.done():
            return answer.result()
        answer.cancel()
        self.task.exception()  # the app ended instead of answering
        return None


class _InProcessTransport(httpx.BaseTransport):
    """``httpx.ASGITransport`` (asynchronous only) for synchronous clients: each request runs on
    the app's event loop, and its whole answer is read before it is returned."""

    def __init__(self, app, loop: _EventLoop, raise_app_exceptions: bool) -> None:
        self._asgi = httpx.ASGITransport(app, raise_app_exceptions=raise_app_exceptions)
        self._loop: _EventLoop | None = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        loop = self._loop
        if loop is None:
            raise httpx.ConnectError(f"{request.url} is no longer served", request=request)
        request.read()  # a body the client would stream is sent whole

        async def send() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            raw = b"".join([part async for part in response.stream])
            return httpx.Response(
                response.status_code,
                headers=response.headers.raw,
                stream=httpx.ByteStream(raw),
                extensions=response.extensions,
            )

        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            return loop.run(send(), timeout)
        except concurrent.futures.TimeoutError:
            raise httpx.ReadTimeout(f"{request.url} did not answer in {timeout} s", request=request) from None

    def stopped(self) -> None:
        self._loop = None


def _serve_in_process(app, url: str, lifespan: bool, raise_app_exceptions: bool) -> Served:
    loop = _EventLoop()
    events = _Lifespan(app)
    if lifespan:
        try:
            loop.run(events.startup())
        except BaseException:
            loop.close()
            raise
    transport = _InProcessTransport(app, loop, raise_app_exceptions)

    def stop() -> None:
        transport.stopped()
        try:
            if lifespan:
                loop.run(events.shutdown())
        finally:
            loop.close()

    return Served(app, url, transport, stop)


# -- what must never reach a log or a span ------------------------------------------------------
# Where the services' answers carry tokens, codes and credentials.
SECRET_KEYS = {
    "pre-authorized_code",
    "tx_code",
    "token",
    "access_token",
    "applicant_token",
    "state",
    "nonce",
    "review_hash",
    "credential",
    "credential_offer_uri",
    "request_uri",
    "c_nonce",
}


def persona_values() -> set[str]:
    """Every persona's name, birthdate and street address (scenarios/personas.py)."""
    found: set[str] = set()

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("given_name", "family_name", "birthdate", "street_address"):
            found.add(value)

    for name in dir(personas):
        if name.isupper():
            walk(getattr(personas, name))
    return found
