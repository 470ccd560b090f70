"""Security headers on every UI response.

The policy allows no inline script or style at all, so injected markup cannot run
even if escaping were ever missed; pages may frame only our own previews, and
nobody may frame the pages (clickjacking).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response

from ged.web import oidc_client

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)

#: uploaded content shown inline: its own opaque origin (sandbox), so nothing in it can
#: reach the app's cookies or pages; no script, nothing fetched; framed by our pages
#: only. Inline styles stay allowed because Chromium's PDF viewer draws its toolbar
#: with them inside the framed document.
PREVIEW_POLICY = (
    "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def page_policy() -> str:
    """PAGE_POLICY, and with single sign-on the provider's origin as a form target: the
    logout form's answer redirects there (its end_session_endpoint), which form-action
    governs too."""
    config = oidc_client.settings()
    if config is None:
        return PAGE_POLICY
    issuer = urlsplit(config.issuer)
    return PAGE_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {issuer.scheme}://{issuer.netloc}"
    )


def add_headers(response: Response) -> Response:
    # setdefault: the preview route sets a stricter policy of its own that must stay.
    response.headers.setdefault("Content-Security-Policy", page_policy())
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if "Cache-Control" not in response.headers:
        # Pages show documents and names: no shared or back-button cache may keep them.
        response.headers["Cache-Control"] = "no-store"
    return response


def init_blueprint(bp: Blueprint) -> None:
    bp.after_request(add_headers)
