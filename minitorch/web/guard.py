"""Checks every request passes before any route runs: who may ask, and in what form.

A page on another site can make the browser send requests to this server (CSRF), and
a hostile domain name can be re-pointed at 127.0.0.1 (DNS rebinding). So the
``Host`` must name this server (an IP address, ``localhost`` or the ``--host``
name, with the bound port), an ``Origin`` must be this server's own, and a POST
must say ``application/json`` (a cross-site form cannot send that without a CORS
preflight, which this server never grants). JSON bodies are parsed with limits.
"""

from __future__ import annotations

import ipaddress
import json
import math
from http import HTTPStatus
from urllib.parse import urlsplit

MAX_BODY = 16 * 1024
MAX_NUMBER_CHARS = 32
MAX_DEPTH = 8


class HTTPError(Exception):
    """An answer other than 200, with the message the client sees."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> HTTPError:
    """A 400 answer: the request's content is wrong, as ``message`` says."""
    return HTTPError(HTTPStatus.BAD_REQUEST, message)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def _split_host(value: str) -> tuple[str, int | None]:
    """``"a:8000"`` → ``("a", 8000)``; no port means 80, a bad one None."""
    try:
        parts = urlsplit("//" + value)
        port = parts.port or 80
    except ValueError:
        return "", None
    return (parts.hostname or "").lower(), port


class RequestGuard:
    """Decides whether a request's ``Host``, ``Origin`` and body type are acceptable."""

    def __init__(self, bound_host: str, port: int) -> None:
        self.names = {"localhost", bound_host.strip("[]").lower()}
        self.port = port

    def host_ok(self, host: str | None) -> bool:
        """Whether ``Host`` names this server; a domain other than ours never does."""
        if not host:
            return False
        name, port = _split_host(host)
        return port == self.port and (name in self.names or _is_ip(name))

    @staticmethod
    def _own_origin(origin: str, host: str) -> bool:
        """Whether ``origin`` is ``http://`` + this request's (checked) ``Host``."""
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        return parts.scheme == "http" and parts.netloc.lower() == host.lower()

    def check(
        self,
        method: str,
        host: str | None,
        origin: str | None,
        fetch_site: str | None,
        content_type: str | None,
    ) -> None:
        """Raise ``HTTPError`` (403 or 415) unless the request may go on."""
        if not self.host_ok(host):
            raise HTTPError(
                HTTPStatus.FORBIDDEN,
                f"Host {(host or '')[:80]!r} is not this server; use its address",
            )
        if origin is not None and not self._own_origin(origin, host or ""):
            raise HTTPError(
                HTTPStatus.FORBIDDEN,
                f"requests from other sites are refused (Origin {origin[:80]!r})",
            )
        if fetch_site == "cross-site":
            raise HTTPError(
                HTTPStatus.FORBIDDEN, "requests from other sites are refused"
            )
        if method == "POST":
            media = (content_type or "").partition(";")[0].strip().lower()
            if media != "application/json":
                raise HTTPError(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"POST bodies must be application/json, got {media or 'none'!r}",
                )


def _bounded_number(text: str) -> float | int:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} characters")
    if not any(c in text for c in ".eE"):
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for a float")
    return value


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _depth(body: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings (scanned, not recursed)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in body:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_json(body: bytes) -> object:
    """The JSON value of a request body, or ``HTTPError(400)`` with the reason.

    Numbers longer than ``MAX_NUMBER_CHARS`` characters, ``NaN``/``Infinity`` and
    nesting deeper than ``MAX_DEPTH`` are refused before they cost anything.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("the request body is not UTF-8") from None
    if _depth(text) > MAX_DEPTH:
        raise bad_request(
            f"the request body nests deeper than {MAX_DEPTH} levels",
        )
    try:
        return json.loads(
            text,
            parse_int=_bounded_number,
            parse_float=_bounded_number,
            parse_constant=_no_constant,
        )
    except ValueError as e:  # JSONDecodeError is a ValueError too
        message = str(e).splitlines()[0][:120] if str(e) else "malformed"
        raise bad_request(f"the request body is not valid JSON: {message}") from None
