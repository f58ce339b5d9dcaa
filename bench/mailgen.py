"""Customer mail for the mail benchmark: the mix a sales mailbox receives, reproducible from a seed.

Plain text, HTML beside a text part, HTML alone, a few mails with a small
attachment, replies (about one in five) that thread by In-Reply-To and References (to the
customer's own earlier mail, or to an answer from the shop), some mails
without a Message-ID, and senders spread over about a thousand customers.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

SHOP = "sales@shop.example"
CUSTOMERS = 1_000
FIRST = ("Anna", "Jānis", "Maria", "Jürgen", "Olga", "Peter", "Ieva", "Tomás", "Sofia", "Ali", "Chen", "Zoë")
LAST = ("Bērziņa", "Smith", "Kowalski", "Müller", "Ivanova", "García", "Ozola", "Nakamura", "Dubois", "Rossi")
DOMAINS = ("example.com", "mail.example.org", "post.example.net", "corp.example", "inbox.example.lv")
SUBJECTS = (
    "Price for 40 units",
    "Delivery to Riga",
    "Invoice question",
    "Is the blue model in stock?",
    "Wholesale terms",
    "Order 58213: wrong size",
    "Cena par piegādi",
    "Can we meet next week?",
    "Warranty claim",
    "Request for quotation",
)
SENTENCES = (
    "We are interested in your products for our new office.",
    "Could you send the price list with delivery costs?",
    "The last delivery arrived two days late.",
    "Please confirm the order and the expected date.",
    "Mēs vēlētos saņemt piedāvājumu līdz piektdienai.",
    "Is there a discount for orders above 1,000 EUR?",
    "Our accounting needs the invoice with the VAT number.",
    "I tried to call but nobody answered.",
    "Thank you for the quick answer yesterday.",
    "Attached is the photo of the damaged box.",
)
# Shares of the mix; what is left is plain text. About 4 in 5 mails come from a customer who wrote before.
REPLY_AFTER_EARLIER = 0.25
NO_MESSAGE_ID = 0.05
ALTERNATIVE = 0.30
HTML_ONLY = 0.08
ATTACHMENT = 0.04


@dataclass
class Corpus:
    """Raw mails in delivery order, and how many of each kind."""

    raws: list[bytes]
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def total_bytes(self) -> int:
        """The size of every mail together."""
        return sum(len(raw) for raw in self.raws)


@dataclass(frozen=True)
class _Sent:
    message_id: str
    references: tuple[str, ...]
    subject: str


def customers(rng: random.Random, count: int = CUSTOMERS) -> list[Address]:
    """``count`` distinct customers with display names, some of them not ASCII."""
    found = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        user = f"{first[0]}.{last}{n}".lower().encode("ascii", "ignore").decode()
        found.append(Address(f"{first} {last}", addr_spec=f"{user}@{rng.choice(DOMAINS)}"))
    return found


def generate(count: int, seed: int, now: datetime | None = None) -> Corpus:
    """``count`` customer mails to the shop's mailbox, the same for the same seed."""
    rng = random.Random(seed)
    now = now or datetime.now(tz=UTC)
    people = customers(rng)
    earlier: dict[str, list[_Sent]] = {}
    corpus = Corpus([])
    for n in range(count):
        person = rng.choice(people)
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = person
        message["To"] = Address("Shop sales", addr_spec=SHOP)
        message["Date"] = format_datetime(now - timedelta(minutes=(count - n) * 3 + rng.randint(0, 2)))
        subject = rng.choice(SUBJECTS)
        history = earlier.get(person.addr_spec, [])
        if history and rng.random() < REPLY_AFTER_EARLIER:
            subject = _reply_headers(message, rng.choice(history), rng, n)
            corpus.kinds["reply"] += 1
        message["Subject"] = subject
        message_id = f"<{n}.{rng.getrandbits(48):x}@{person.addr_spec.rpartition('@')[2]}>"
        if rng.random() < NO_MESSAGE_ID:
            corpus.kinds["no Message-ID"] += 1
        else:
            message["Message-ID"] = message_id
            references = tuple(message.get("References", "").split())
            history.append(_Sent(message_id, references, subject))
            earlier[person.addr_spec] = history
        corpus.kinds[_body(message, rng, person)] += 1
        corpus.raws.append(message.as_bytes())
    return corpus


def _reply_headers(message: EmailMessage, to: _Sent, rng: random.Random, n: int) -> str:
    """Thread ``message`` under an earlier mail: a follow-up, or an answer to the shop's reply to it."""
    references = (*to.references, to.message_id)
    if rng.random() < 0.5:
        shop_reply = f"<reply.{n}.{rng.getrandbits(32):x}@shop.example>"
        references = (*references, shop_reply)
    message["In-Reply-To"] = references[-1]
    message["References"] = " ".join(references[-10:])
    return to.subject if to.subject.startswith("Re: ") else f"Re: {to.subject}"


def _body(message: EmailMessage, rng: random.Random, person: Address) -> str:
    """Give ``message`` a body of one of the kinds; return the kind."""
    paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(1, 4))) for _ in range(rng.randint(1, 4))]
    text = "Hello,\n\n" + "\n\n".join(paragraphs) + f"\n\nBest regards,\n{person.display_name}\n"
    html = (
        "<html><body><p>Hello,</p>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + f"<p>Best regards,<br><b>{person.display_name}</b></p></body></html>"
    )
    if message["In-Reply-To"]:
        text += "\n> " + "\n> ".join(rng.sample(SENTENCES, 2)) + "\n"
    draw = rng.random()
    if draw < ATTACHMENT:
        message.set_content(text)
        data = rng.randbytes(rng.randint(2_000, 40_000))
        message.add_attachment(
            data, maintype="application", subtype="pdf", filename=f"order-{rng.randint(1, 9999)}.pdf"
        )
        return "attachment"
    if draw < ATTACHMENT + HTML_ONLY:
        message.set_content(html, subtype="html")
        return "html only"
    if draw < ATTACHMENT + HTML_ONLY + ALTERNATIVE:
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return "text + html"
    message.set_content(text)
    return "plain"
