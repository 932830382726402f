"""Headers every answer carries, and the stricter policy of the pages that sign in and edit.

Every answer (API, pages, static files, errors) gets ``X-Content-Type-Options: nosniff`` and
``Referrer-Policy: strict-origin-when-cross-origin``. The sign-in pages and the editor (/login,
/logout, /edit and below) get the pages' Content-Security-Policy with ``frame-ancestors 'none'``
(and ``X-Frame-Options: DENY`` to match): a page that holds a session's CSRF token or a password
field is framed by no one, not even this service. It is the same policy the residents' pages
have (``service.routes.pages.content_security_policy``: self only, no inline script or style, the
tile host for images), so a script written for one runs under the other.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.routes.pages import content_security_policy
from service.settings import Settings

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}
STRICT_PATHS = ("/login", "/logout", "/edit")


def editor_policy(settings: Settings) -> str:
    """The CSP of the sign-in pages and the editor: the pages' policy, framed by no one."""
    return content_security_policy(settings, frame_ancestors="'none'")


def is_strict(path: str) -> bool:
    """/login, /logout, /edit and every path below them (not /editorial, not /login-help)."""
    return any(path == p or path.startswith(p + "/") for p in STRICT_PATHS)


class SecurityHeaders:
    """ASGI middleware adding the headers above to whatever the app answers."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.strict_policy = editor_policy(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        strict = is_strict(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    if name not in headers:
                        headers[name] = value
                if strict:
                    headers["content-security-policy"] = self.strict_policy
                    headers["x-frame-options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
