"""A customer's Telegram message as the inbound message the router stores.

Ids: a message is ``BOT:CHAT:MESSAGE_ID`` (Telegram numbers messages per chat, and an update
delivered again carries the same message), so the router stores it once and an edit can name it;
an edit is ``BOT:uUPDATE_ID``, one per edit. The thread is ``BOT:CHAT`` and the customer's
address ``telegram:BOT:USER`` (in a private chat the chat id is the user's id), so each bot's
customers are its own. The source is the bot's name, or ``BOT/PAYLOAD`` for ``/start PAYLOAD``
(a deep link ``t.me/BOT?start=PAYLOAD``), which names where the lead came from.
"""

from __future__ import annotations

from connectors.telegram.updates import CustomerMessage, SharedContact
from domain.attachments import Attachment
from domain.channels import Channel, ChannelAddress
from domain.inbound import InboundMessage
from domain.intake import Intake
from domain.phones import Phone, phone_number
from domain.text import InvalidText


def message_id(bot: str, chat_id: int, message: int) -> str:
    """The channel message id of a message in a bot's chat."""
    return f"{bot}:{chat_id}:{message}"


def to_inbound(bot: str, message: CustomerMessage, attachments: tuple[Attachment, ...] = ()) -> InboundMessage:
    """The inbound message of a customer's message to ``bot``; InvalidInboundMessage if its text is refused."""
    original = message_id(bot, message.chat_id, message.message_id)
    source = f"{bot}/{message.start_payload}" if message.start_payload else bot
    text = message.text
    phone = None
    if message.contact is not None:
        text = "\n".join(filter(None, [text, _card(message.contact)]))
        # Only the customer's own number says who they are; a card of someone else is just shown.
        phone = _phone(message.contact.phone) if message.contact.own else None
    return InboundMessage(
        channel=Channel.TELEGRAM,
        channel_message_id=f"{bot}:u{message.update_id}" if message.edited else original,
        thread=f"{bot}:{message.chat_id}",
        sender=ChannelAddress(Channel.TELEGRAM, f"{bot}:{message.user_id}"),
        text=text,
        received_at=message.sent_at,
        sender_name=message.sender_name,
        source=source,
        attachments=attachments,
        edit_of=original if message.edited else "",
        intake=Intake(phone=phone.number, phone_text=phone.text) if phone is not None else None,
    )


def _card(contact: SharedContact) -> str:
    return f"Contact: {contact.name}, {contact.phone}"


def _phone(number: str) -> Phone | None:
    """The number in E.164 (Telegram sends it without the plus); none if it is no phone number."""
    try:
        return phone_number(number if number.startswith("+") else f"+{number}", field="contact.phone_number")
    except InvalidText:
        return None
