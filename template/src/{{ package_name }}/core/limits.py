"""Request limits: load shedding and the body size limit, in one pass over each HTTP request.

Load shedding keeps a bounded amount of work in the process. At most `concurrency` requests
are served at once; up to `queue` more wait, in arrival order, at most `queue_timeout`
seconds; any other request is answered at once with 503 and `Retry-After`. Memory and latency
stay bounded however many clients arrive, and clients learn when to come back. The probes
(/healthz, /readyz) skip the queue: a busy app is alive, and says so at once.

A body larger than `max_body_size` is refused with 413: at once when Content-Length says so,
and as soon as the limit is crossed when the body is streamed, before the app buffers it.
"""

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
SHED_RETRY_AFTER_SECONDS = 1


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
    ) -> None:
        self.app = app
        self.queue = queue
        self.queue_timeout = queue_timeout
        self.max_body_size = max_body_size
        self.slots = asyncio.Semaphore(concurrency)
        self.waiting = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
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
                await self._limit_stream(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            self.slots.release()

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
