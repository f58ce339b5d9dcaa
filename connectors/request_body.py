"""Reading a request's body no further than a limit, so that no sender can make us hold more.

A body declared larger than the limit is refused before any of it is read; one sent without a
length (chunked), or longer than it declared, is refused as soon as it goes past the limit. How a
refusal is answered is the caller's: each endpoint answers in its own terms.
"""

from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The body is over ``limit`` bytes: by its Content-Length (``declared``), or found so while reading."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        super().__init__(f"the body is over {limit} bytes")
        self.limit = limit
        self.declared = declared


async def read_within(request: Request, limit: int) -> bytes:
    """The whole body of ``request``, or BodyTooLarge as soon as it is known to be over ``limit`` bytes.

    A client that hangs up before the end raises Starlette's ``ClientDisconnect``, for the caller to answer.
    """
    declared = _declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit, declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length", "")
    # ASCII digits only: headers arrive as Latin-1, whose "²" and "³" str.isdigit takes and int() refuses.
    return int(declared) if declared.isascii() and declared.isdigit() else None


class WrongMediaType(Exception):
    """The request says its body is of a type the endpoint does not take (answered 415)."""


def check_media_type(request: Request, *accepted: str) -> None:
    """WrongMediaType when the request names a Content-Type other than ``accepted`` (one naming none is read as is).

    A body of another type is never read as if it were the expected one: a form post cannot pass for JSON.
    """
    given = request.headers.get("content-type")
    if given is None:
        return
    media = given.partition(";")[0].strip().lower()
    if media not in accepted and not (media.endswith("+json") and "application/json" in accepted):
        msg = f"send the body as {' or '.join(accepted)}, not {media[:60] or 'an empty type'}"
        raise WrongMediaType(msg)
