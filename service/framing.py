"""Who may show this service's pages in a frame: only the service itself, except /embed.

Every HTML answer outside /embed gets ``frame-ancestors 'self'`` in its Content-Security-Policy
(added to the page's own policy, or as the whole policy where a page has none, such as /docs) and
``X-Frame-Options: SAMEORIGIN`` for browsers that predate frame-ancestors. So a page is framed on
another site only through /embed, whose route sets its own frame-ancestors from
TSUDOI_EMBED_ORIGINS (see ``Settings.embed_frame_ancestors``). One middleware rather than a line
per route, so a page added later is covered without anyone remembering to.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EMBED_PREFIX = "/embed/"
SAME_ORIGIN = "frame-ancestors 'self'"


def same_origin_framing(headers: MutableHeaders) -> None:
    """Add frame-ancestors 'self' and X-Frame-Options to an HTML answer's headers."""
    csp = headers.get("content-security-policy", "").strip().rstrip(";")
    if "frame-ancestors" not in csp:
        headers["content-security-policy"] = f"{csp}; {SAME_ORIGIN}" if csp else SAME_ORIGIN
    headers["x-frame-options"] = "SAMEORIGIN"


class SameOriginFraming:
    """ASGI middleware: HTML outside /embed may be framed by this service only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(EMBED_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    same_origin_framing(headers)
            await send(message)

        await self.app(scope, receive, send_framed)
