"""The webhook delivery job: one signed POST, its outcome written back (see
ged.services.webhook_deliveries for claiming, backoff and recovery).

Any 2xx answer delivers. Redirects are not followed: the signed request is meant for the
registered URL, and a redirect is reported so that the administrator registers the final
one. The answer's body is never read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from ged.services.webhook_deliveries import Outcome, Outgoing, record_attempt, start_attempt
from workers.jobs import current_runtime


def deliver(delivery_id: int) -> None:
    """Make one attempt of a webhook delivery, if it is due."""
    runtime = current_runtime()
    with runtime.unit_of_work() as uow:
        outgoing = start_attempt(uow, delivery_id)
    if outgoing is None:
        return
    outcome = send(outgoing, runtime.settings.webhooks.timeout)
    with runtime.unit_of_work() as uow:
        record_attempt(uow, delivery_id, outcome)


def send(outgoing: Outgoing, timeout: float) -> Outcome:
    """POST the request; what came of it, in words for the administrator."""
    try:
        with requests.post(
            outgoing.url,
            data=outgoing.body,
            headers=outgoing.headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,  # the body is not wanted: leave it unread, however large
        ) as response:
            code, reason = response.status_code, response.reason or ""
            location = response.headers.get("Location")
    except requests.Timeout:
        return Outcome(None, f"no answer from {_host(outgoing.url)} within {timeout:g} s")
    except requests.RequestException as exc:
        return Outcome(None, f"could not reach {_host(outgoing.url)}: {_root_cause(exc)}")
    if 200 <= code < 300:
        return Outcome(code)
    if 300 <= code < 400:
        return Outcome(
            code,
            f"HTTP {code} redirect to {location}: redirects are not followed, "
            "register the final URL instead",
        )
    return Outcome(code, f"HTTP {code} {reason}".strip())


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _root_cause(exc: BaseException) -> str:
    """The innermost error ("Connection refused"), not requests' and urllib3's wrappings."""
    innermost, seen = exc, {id(exc)}
    while True:
        reason = getattr(innermost, "reason", None)
        inner = reason if isinstance(reason, BaseException) else innermost.__cause__
        inner = inner or innermost.__context__
        if inner is None or id(inner) in seen:
            break
        innermost = inner
        seen.add(id(inner))
    if isinstance(innermost, OSError) and innermost.strerror:
        return innermost.strerror
    return str(innermost) or type(innermost).__name__
