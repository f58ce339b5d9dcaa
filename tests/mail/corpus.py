"""Mail for tests: ordinary mail, and a corpus of hostile and broken mail."""

from __future__ import annotations

import base64


def plain(
    number: int, *, sender: str = "anna@example.com", message_id: str | None = "", subject: str = "", extra: str = ""
) -> bytes:
    """An ordinary mail; message_id "" gives a unique one, None gives none at all."""
    mid = f"<m{number}.{sender.replace('@', '.')}@test.example>" if message_id == "" else message_id
    head = (
        f"From: Customer {number} <{sender}>\r\nTo: sales@shop.example\r\n"
        f"Subject: {subject or f'Question {number}'}\r\nDate: Mon, 03 Mar 2025 10:15:00 +0200\r\n"
    )
    if mid is not None:
        head += f"Message-ID: {mid}\r\n"
    return (head + extra + "\r\n" + f"Hello, this is mail number {number}.\r\n").encode()


def _nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    for level in range(depth):
        boundary = f"d{level}".encode()
        body = (
            (b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary + b"\r\n" + body)
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return body


def hostile() -> dict[str, bytes]:
    """Broken and hostile mails by name; each must be ingested safely or rejected with a logged reason."""
    head = "From: Mallory <mallory@example.com>\r\nTo: sales@shop.example\r\nSubject: hostile\r\n"
    many_parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\npart\r\n" for _ in range(10_000)) + b"--p--\r\n"
    return {
        "truncated_mime": (
            head + 'Message-ID: <truncated@x>\r\nContent-Type: multipart/mixed; boundary="t"\r\n\r\n'
            "--t\r\nContent-Type: text/plain\r\n\r\ncut here"
        ).encode(),
        "unknown_charset": (
            head + "Message-ID: <charset@x>\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n"
        ).encode()
        + b"\xff\xfe caf\xe9\r\n",
        "missing_message_id": (head + "\r\nNo id at all.\r\n").encode(),
        "huge_header": (
            head + "Message-ID: <huge@x>\r\nX-Filler: " + "a" * (1024 * 1024) + "\r\n\r\nbody\r\n"
        ).encode(),
        "ten_thousand_parts": (
            head + 'Message-ID: <parts@x>\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n'
        ).encode()
        + many_parts,
        "deep_nesting": (head + "Message-ID: <deep@x>\r\n").encode() + _nested(60),
        "bad_base64": (
            head + "Message-ID: <b64@x>\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + base64.b64encode(b"readable part")[:-3]
        + b"!!**\r\n",
        "header_injection_in_name": (
            b"From: =?utf-8?q?Eve=0D=0ABcc=3A_victim=40example=2Ecom?= <eve@example.com>\r\n"
            b"To: sales@shop.example\r\nSubject: =?utf-8?q?hi=0D=0AX-Injected=3A_yes?=\r\n"
            b"Message-ID: <inject@x>\r\n\r\nhello\r\n"
        ),
        "no_from": b"To: sales@shop.example\r\nSubject: nobody\r\nMessage-ID: <nofrom@x>\r\n\r\nwho am I\r\n",
        "binary_garbage": bytes(range(256)) * 64,
    }
