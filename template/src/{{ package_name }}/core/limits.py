"""Request limits: load shedding and the body size limit, in one pass over each HTTP request.

Load shedding keeps a bounded amount of work in the process. At most `concurrency` requests
are served at once; up to `queue` more wait, in arrival order, at most `queue_timeout`
seconds; any other request is answered at once with 503 and `Retry-After`. Memory and latency
stay bounded however many clients arrive, and clients learn when to come back. The probes
(/healthz, /readyz) skip the queue: a busy app is alive, and says so at once.

A body larger than `max_body_size` is refused with 413: at once when Content-Length says so,
and as soon as the limit is crossed when the body is streamed, before the app buffers it. A
request with more than `MAX_HEADERS` headers is refused with 431 (the server command bounds
their total size; docs/deploy.md).

Every admitted request has a deadline: if its response has not started `request_timeout`
seconds after it was admitted, the client gets 503 with Retry-After at once, and the work is
cancelled in the background. A frozen database or a network partition (where nothing fails,
everything waits) therefore costs a client at most queue_timeout + request_timeout seconds.
The request is not awaited while it cancels: its cleanup (a rollback) may wait on that same
frozen database. A response that has started streams on without a deadline.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
SHED_RETRY_AFTER_SECONDS = 1
DEADLINE_RETRY_AFTER_SECONDS = 5
# Browsers send about 10 to 20; nginx and gunicorn refuse past 100.
MAX_HEADERS = 100


def json_response(status: int, detail: str, *, retry_after: int | None = None) -> list[Message]:
    """The two ASGI messages of a small JSON error response."""
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    body = json.dumps({"detail": detail}).encode()
    headers.append((b"content-length", str(len(body)).encode()))
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class RequestLimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        concurrency: int,
        queue: int,
        queue_timeout: float,
        max_body_size: int,
        request_timeout: float,
    ) -> None:
        self.app = app
        self.queue = queue
        self.queue_timeout = queue_timeout
        self.max_body_size = max_body_size
        self.request_timeout = request_timeout
        self.slots = asyncio.Semaphore(concurrency)
        self.waiting = 0
        # Requests past their deadline, still cancelling (a reference keeps each task alive).
        self.abandoned: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope["headers"]) > MAX_HEADERS:
            for message in json_response(431, f"More than {MAX_HEADERS} request headers."):
                await send(message)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_body_size:
            await self._too_large(send)
            return
        if scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        if not await self._admitted():
            for message in json_response(
                503, "Too many requests in progress; retry later.",
                retry_after=SHED_RETRY_AFTER_SECONDS,
            ):  # fmt: skip
                await send(message)
            return
        try:
            if length is None:
                await self._with_deadline(
                    scope, lambda guarded: self._limit_stream(scope, receive, guarded), send
                )
            else:
                await self._with_deadline(
                    scope, lambda guarded: self.app(scope, receive, guarded), send
                )
        finally:
            self.slots.release()

    async def _with_deadline(
        self, scope: Scope, serve: Callable[[Send], Awaitable[None]], send: Send
    ) -> None:
        """Serve; answer 503 instead if the response has not started within the deadline."""
        started = asyncio.Event()
        expired = False

        async def send_until_expired(message: Message) -> None:
            if expired:
                return  # the 503 was the answer
            if message["type"] == "http.response.start":
                started.set()
            await send(message)

        task = asyncio.ensure_future(serve(send_until_expired))
        waiter = asyncio.ensure_future(started.wait())
        try:
            await asyncio.wait(
                {task, waiter}, timeout=self.request_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waiter.cancel()
        if started.is_set() or task.done():
            await task  # the rest of the response, or what the app raised
            return
        expired = True
        task.cancel()
        self.abandoned.add(task)
        task.add_done_callback(self._forget)
        logger.warning(
            "request exceeded its %.1f s deadline: answered 503",
            self.request_timeout,
            extra={"method": scope.get("method"), "path": scope["path"]},
        )
        for message in json_response(
            503, "The request took too long; retry later.",
            retry_after=DEADLINE_RETRY_AFTER_SECONDS,
        ):  # fmt: skip
            await send(message)

    def _forget(self, task: "asyncio.Task[None]") -> None:
        self.abandoned.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning(
                "a request stopped at its deadline failed while stopping: %s",
                type(task.exception()).__name__,
            )

    async def _admitted(self) -> bool:
        if not self.slots.locked():
            await self.slots.acquire()  # free: returns without waiting
            return True
        if self.waiting >= self.queue:
            return False
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_timeout):
                await self.slots.acquire()
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True

    async def _limit_stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A body without Content-Length (chunked): count it as it arrives."""
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_size:
                    refused = True
                    if not started:
                        await self._too_large(send)
                    # The app sees a client that went away, and stops reading.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 was the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _too_large(self, send: Send) -> None:
        for message in json_response(413, f"Request body larger than {self.max_body_size} bytes."):
            await send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
