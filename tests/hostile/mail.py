"""Mail through the real Dovecot: each hostile mail is stored once with clean text, or rejected with a reason.

Every case has its own sender, so its conversation is found by address; its place in the folder (UID)
finds its rejection. Valid but unusual text must come through exactly.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass

from tests.hostile.corpus import Case, expect
from tests.mail.corpus import hostile

SURFACE = "mail"
DOMAIN = "hostile.example"
STORED_OR_REJECTED = expect("stored", "rejected")
NOTE = "the mail contract: stored once with clean text, or rejected with a reason"


@dataclass(frozen=True)
class MailInput:
    """Raw mail bytes from ``sender``; ``shown`` must appear exactly in the stored subject or text."""

    raw: bytes
    sender: str
    shown: str = ""


def sender(number: int) -> str:
    """The address of case ``number``."""
    return f"m{number}@{DOMAIN}"


def compose(
    number: int, *, subject: bytes = b"Hostile", name: bytes = b"Mallory", body: bytes = b"hello", mid: bytes = b""
) -> bytes:
    """A mail with the given raw pieces; anything not given is ordinary."""
    message_id = mid or f"case-{number}".encode()
    return (
        b"From: " + name + b" <" + sender(number).encode() + b">\r\nTo: sales@shop.example\r\n"
        b"Subject: " + subject + b"\r\nDate: Mon, 03 Mar 2025 10:15:00 +0200\r\n"
        b"Message-ID: <" + message_id + b"@" + DOMAIN.encode() + b">\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
        + b"\r\n"
    )


def byte_values(header: bool) -> dict[str, bytes]:
    """Raw bytes no mail should smuggle into stored text: controls, NUL, broken UTF-8, hostile encoded words."""
    values = {
        f"U+{code:04X}": b"ab" + bytes([code]) + b"cd"
        for code in [*range(0x20), 0x7F]
        if not (header and code in (0x0A, 0x0D))
    }
    values["nul"] = b"a\x00b"
    values |= {f"utf8_U+{code:04X}": b"ab" + chr(code).encode() + b"cd" for code in (0x80, 0x85, 0x9B, 0x9F)}
    values |= {
        "invalid_ff_fe": b"ab\xff\xfecd",
        "broken_pair": b"ab\xc3\x28cd",
        "encoded_surrogate": b"ab\xed\xa0\x80cd",
        "overlong_slash": b"ab\xc0\xafcd",
        "beyond_unicode": b"ab\xf4\x90\x80\x80cd",
        "latin1_bytes": b"caf\xe9",
    }
    if header:
        values |= {
            "encoded_nul": b"=?utf-8?q?a=00b?=",
            "encoded_escape": b"=?utf-8?q?a=1B[31mb?=",
            "encoded_newline": b"=?utf-8?q?a=0D=0AX-Injected=3A_yes?=",
            "encoded_invalid_utf8": b"=?utf-8?b?//4=?=",
            "encoded_surrogate": b"=?utf-8?q?=ED=A0=80?=",
            "encoded_c1": b"=?utf-8?q?a=C2=9Bb?=",
            "unknown_charset": b"=?x-klingon?q?abc?=",
            "broken_encoded_word": b"=?utf-8?q?abc",
        }
    return values


ODDITIES = {
    "arabic_rtl": "مرحبا بكم",
    "zero_width_joiner_family": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "emoji": "\U0001f600\U0001f680",
    "combining_marks": unicodedata.normalize("NFD", "Ŗīga ārā"),
    "cjk": "你好世界",
    "rtl_override": "abc\u202edcb",
}


def generated_cases(first: int) -> list[Case]:
    """Subject, sender name, body and Message-ID against each hostile byte value; valid text exactly."""
    cases, number = [], first
    for field in ("subject", "name", "body", "mid"):
        for name, value in byte_values(header=field != "body").items():
            if field == "mid" and (b" " in value or b">" in value):
                continue
            raw = compose(number, **{field: value})
            family = f"{field}/{_family(name)}"
            cases.append(
                Case(SURFACE, family, f"{field}/{name}", MailInput(raw, sender(number)), STORED_OR_REJECTED, note=NOTE)
            )
            number += 1
        if field in ("subject", "body"):
            for name, text in ODDITIES.items():
                # A one-line header drops bidirectional overrides on purpose (they disguise what a subject says).
                shown = "" if field == "subject" and name == "rtl_override" else text
                raw = compose(number, **{field: text.encode()})
                data = MailInput(raw, sender(number), shown=shown)
                cases.append(Case(SURFACE, f"{field}/valid_unicode", f"{field}/{name}", data, expect("stored")))
                number += 1
                encoded = b"=?utf-8?b?" + base64.b64encode(text.encode()) + b"?="
                if field == "subject":
                    data = MailInput(compose(number, subject=encoded), sender(number), shown=shown)
                    cases.append(
                        Case(SURFACE, "subject/valid_unicode", f"subject/encoded_{name}", data, expect("stored"))
                    )
                    number += 1
    return cases


def _family(name: str) -> str:
    if name.startswith("U+") and int(name.removeprefix("U+"), 16) in (0x09, 0x0A, 0x0D):
        return "line_break"
    if name.startswith(("U+", "utf8_U+")):
        return "control"
    return "encoded_word" if name.startswith(("encoded", "unknown", "broken_encoded")) else name


def corpus_cases(first: int) -> list[Case]:
    """The mail tests' own hostile corpus, each from its own sender (a mail without one must be rejected)."""
    cases = []
    for offset, (name, raw) in enumerate(hostile().items()):
        address = sender(first + offset)
        mail = re.sub(rb"mallory@example\.com|eve@example\.com", address.encode(), raw)
        answer = STORED_OR_REJECTED if address.encode() in mail else expect("rejected")
        cases.append(Case(SURFACE, "corpus", f"corpus/{name}", MailInput(mail, address), answer, note=NOTE))
    return cases


def _body(content_type: bytes, encoding: bytes, body: bytes) -> bytes:
    return (
        b"Content-Type: " + content_type + b"\r\nContent-Transfer-Encoding: " + encoding + b"\r\n\r\n" + body + b"\r\n"
    )


def hand_written(first: int) -> list[Case]:
    """Encodings a sender chooses: NUL and controls behind quoted-printable and base64, a NUL in the address."""
    head = b"From: Mallory <%s>\r\nTo: sales@shop.example\r\nSubject: encoded\r\nMessage-ID: <hand-%d@x>\r\n"
    plain, qp, b64 = b"text/plain; charset=utf-8", b"quoted-printable", b"base64"
    part = b"--b\r\nContent-Type: application/octet-stream\r\n"
    bodies = {
        "qp_nul": _body(plain, qp, b"a=00b=1Bc"),
        "base64_nul": _body(plain, b64, b"YQBiG2M="),
        "base64_surrogate": _body(plain, b64, b"7aCA"),
        "utf16_lone_surrogate": _body(b"text/plain; charset=utf-16-le", b64, b"AADYYQA="),
        "html_with_controls": _body(b"text/html; charset=utf-8", b"8bit", b"<p>a\x00b\x1bc<script>x</script></p>"),
        "attachment_name_nul": _body(
            b'multipart/mixed; boundary="b"',
            b"8bit",
            b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            + part
            + b'Content-Disposition: attachment; filename="a\x00b\x1b.txt"\r\n\r\nxyz\r\n--b--',
        ),
    }
    cases = []
    for offset, (name, body) in enumerate(bodies.items()):
        address = sender(first + offset)
        raw = head % (address.encode(), first + offset) + body
        cases.append(
            Case(SURFACE, "encoded_body", f"hand/{name}", MailInput(raw, address), STORED_OR_REJECTED, note=NOTE)
        )
    return cases


def mail_cases() -> list[Case]:
    """The mail corpus, numbered so every case has its own sender."""
    generated = generated_cases(1)
    corpus = corpus_cases(len(generated) + 1)
    return [*generated, *corpus, *hand_written(len(generated) + len(corpus) + 1)]
