"""Security headers on every response, as one ASGI middleware.

Pages and JSON are never cached (station PCs are shared: the next user must not find the
last one's evidence in the browser cache); static files may be. The policy allows scripts,
styles and media from this site alone, no inline script or style, and no framing.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
ALWAYS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000"
STATIC_PREFIX = "/static/"


class SecurityHeaders:
    """Adds the headers to whatever the app answers, streamed media included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                # The scheme is https when served over TLS, or when a trusted proxy
                # (``evidence serve --trusted-proxy``) says so in X-Forwarded-Proto.
                if scope.get("scheme") == "https":
                    headers["Strict-Transport-Security"] = HSTS
                if not scope["path"].startswith(STATIC_PREFIX):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette answers an unhandled error outside every middleware, so its 500 would
            # go without these headers: answer it here, and let the error go on to be logged
            # (the outer handler sees the response started and sends nothing more).
            if not started:
                await PlainTextResponse("Internal Server Error", status_code=500)(
                    scope, receive, send_with_headers
                )
            raise
