"""HEAD answered wherever GET is: the same status and headers, no body (RFC 9110 §9.3.2).

FastAPI routes declared with GET answer 405 to HEAD; link checkers, uptime monitors and proxies
ask HEAD first. The request is served as a GET and its body dropped, so headers (length, type,
caching) are exactly those a GET gets.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request runs as GET, and only its status and headers are sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        sent_end = False

        async def send_head(message: Message) -> None:
            nonlocal sent_end
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not sent_end:
                if not message.get("more_body", False):
                    sent_end = True
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_head)
