"""The one settings object every process is built from (environment variables)."""

from __future__ import annotations

import json
from datetime import time
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, IPvAnyNetwork, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import to_jsonable_python
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.presence import WEEKDAYS, InvalidSchedule, Shift, WorkingHours


class MailboxSettings(BaseModel):
    """One mailbox: IMAP to read the customers' mail, SMTP to send the replies."""

    name: str = Field(min_length=1, max_length=100)
    address: str = Field(description="The mailbox's own address: the From of its replies.")
    display_name: str = ""
    imap_host: str
    imap_port: int = 993
    imap_tls: bool = True
    username: str
    password: SecretStr
    folder: str = "INBOX"
    collect_days: int = Field(default=14, ge=0, description="On first connect, mail of the last N days.")
    exclude: list[str] = Field(default_factory=list, description="Addresses, or @domain, that never become leads.")
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")

    def with_secrets(self) -> dict[str, Any]:
        """The mailbox as JSON, passwords written out: for a child process's environment only."""
        return {
            **self.model_dump(mode="json"),
            "password": self.password.get_secret_value(),
            "smtp_password": self.smtp_password.get_secret_value(),
        }


class TelegramBotSettings(BaseModel):
    """One Telegram bot: its token, and whether updates come by webhook or by long polling."""

    # The name is the bot's source for routing rules and part of its webhook path and its customers' addresses.
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    token: SecretStr
    mode: Literal["webhook", "polling"] = "webhook"
    secret_token: SecretStr = Field(
        default=SecretStr(""), description="What Telegram sends in X-Telegram-Bot-Api-Secret-Token; webhook only."
    )
    api_url: str = Field(default="https://api.telegram.org", description="The Bot API server.")

    @model_validator(mode="after")
    def _webhook_has_a_secret(self) -> TelegramBotSettings:
        # Without it anyone who learns the path could post updates as the bot's customers.
        if self.mode == "webhook" and not self.secret_token.get_secret_value():
            msg = "a webhook bot needs a secret_token"
            raise ValueError(msg)
        return self

    def with_secrets(self) -> dict[str, Any]:
        """The bot as JSON, token and secret written out: for a child process's environment only."""
        return {
            **self.model_dump(mode="json"),
            "token": self.token.get_secret_value(),
            "secret_token": self.secret_token.get_secret_value(),
        }


class VkCommunitySettings(BaseModel):
    """One VK community: its token for the API, and how its events reach us (Callback API or Bots Long Poll)."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$", description="Also its URL path.")
    group_id: int = Field(gt=0)
    token: SecretStr = Field(description="The community's access token, with the messages right.")
    mode: Literal["callback", "longpoll"] = "callback"
    secret: SecretStr = Field(default=SecretStr(""), description="The Callback API's secret key.")
    confirmation: str = Field(default="", max_length=100, description="The string the confirmation request gets.")
    api_base_url: str = Field(default="https://api.vk.com/method", pattern=r"^https?://")

    @model_validator(mode="after")
    def _callback_needs_secret(self) -> VkCommunitySettings:
        if self.mode == "callback" and not (self.secret.get_secret_value() and self.confirmation):
            msg = "a community in callback mode needs its secret and its confirmation string"
            raise ValueError(msg)
        return self

    def with_secrets(self) -> dict[str, Any]:
        """The community as JSON, token and secret written out: for a child process's environment only."""
        return {
            **self.model_dump(mode="json"),
            "token": self.token.get_secret_value(),
            "secret": self.secret.get_secret_value(),
        }


class CallLineShift(BaseModel):
    """One opening window of a telephone line: a weekday and local times, ``to`` exclusive."""

    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    start: time = Field(alias="from")
    end: time = Field(alias="to")


class CallLineSettings(BaseModel):
    """One telephone line: how its provider's callbacks are checked, its hours, and its extensions."""

    # The line's name is its calls' source for routing rules and part of its webhook path.
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    provider: Literal["generic", "twilio"] = "generic"
    secret: SecretStr = Field(description="generic: the HMAC-SHA256 key; twilio: the account's auth token.")
    webhook_url: str = Field(
        default="", pattern=r"^(https?://\S+)?$", description="twilio: the callback URL as Twilio calls it."
    )
    number: str = Field(default="", max_length=32, description="The line's own phone number, for people to read.")
    timezone: str = Field(default="UTC", max_length=64)
    hours: list[CallLineShift] = Field(default_factory=list, max_length=56, description="Empty: always open.")
    extensions: dict[str, str] = Field(default_factory=dict, description="Extension -> the manager's e-mail.")
    fallback_manager: str = Field(default="", max_length=320, description="E-mail of who takes what nobody can.")

    @model_validator(mode="after")
    def _checkable(self) -> CallLineSettings:
        if len(self.secret.get_secret_value()) < 16 and self.provider == "generic":  # noqa: PLR2004
            msg = "a generic line needs a secret of at least 16 characters"
            raise ValueError(msg)
        if self.provider == "twilio" and not (self.webhook_url and self.secret.get_secret_value()):
            msg = "a twilio line needs its auth token as secret and the webhook_url Twilio calls"
            raise ValueError(msg)
        try:
            WorkingHours(self.timezone, self.shifts())
        except InvalidSchedule as invalid:  # an unknown zone, a shift ending before it starts
            raise ValueError(str(invalid)) from None
        return self

    def working_hours(self) -> WorkingHours | None:
        """When the line is open; None: always."""
        return WorkingHours(self.timezone, self.shifts()) if self.hours else None

    def shifts(self) -> tuple[Shift, ...]:
        """The opening hours as the domain reads them."""
        return tuple(Shift(WEEKDAYS.index(s.day), s.start, s.end) for s in self.hours)

    def with_secrets(self) -> dict[str, Any]:
        """The line as JSON, its secret written out: for a child process's environment only."""
        return {**self.model_dump(mode="json", by_alias=True), "secret": self.secret.get_secret_value()}


class Settings(BaseSettings):
    """Configuration, read from ``SWITCHBOARD_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_", extra="ignore")

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/switchboard",
        description="PostgreSQL for the event store and the read models.",
    )
    kafka_bootstrap: str = Field(default="127.0.0.1:9092", description="Kafka bootstrap servers.")
    topic_prefix: str = Field(default="switchboard", description="Prefix of every topic name.")
    inbound_partitions: int = Field(default=6, ge=1)
    outbound_partitions: int = Field(default=3, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1, description="Copies of every partition; 3 in production.")
    topic_min_insync_replicas: int = Field(
        default=1, ge=1, description="Copies a record needs before it is acknowledged (acks=all); 2 in production."
    )
    http_host: str = Field(default="127.0.0.1", description="Address the HTTP and websocket ports bind.")
    http_port: int = Field(default=8080, description="Console, REST and /healthz.")
    webchat_port: int = Field(default=8081, description="Web-chat widget websocket (ingest).")
    webhooks_port: int = Field(default=8082, description="Messenger webhooks: Telegram, VK (ingest).")
    public_url: str = Field(default="", description="Console URL as browsers see it; default from host and port.")
    webchat_public_url: str = Field(default="", description="Widget websocket URL as browsers see it.")
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to open the console and widget websockets; the console's own by default.",
    )
    secret_key: SecretStr = Field(default=SecretStr(""), description="Signs session and visitor tokens; required.")
    session_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    webchat_max_frame_bytes: int = Field(default=16_384, ge=256)
    webchat_hello_timeout_seconds: float = Field(default=10.0, gt=0, description="Hello must come by then.")
    webchat_max_hello_bytes: int = Field(default=4_096, ge=256, description="Largest widget frame before hello.")
    webchat_max_sockets_per_visitor: int = Field(default=5, ge=1)
    webchat_max_sockets_per_address: int = Field(default=50, ge=1, description="Open widget sockets per client.")
    webchat_max_unauthenticated_per_address: int = Field(default=10, ge=1, description="Widget sockets before hello.")
    webchat_messages_per_second: float = Field(default=2.0, gt=0, description="Widget frames per visitor, sustained.")
    webchat_message_burst: int = Field(default=20, ge=1, description="Widget frames per visitor at once.")
    webchat_outbox_frames: int = Field(default=64, ge=1, description="Frames waiting for a widget to read them.")
    webchat_send_timeout_seconds: float = Field(default=10.0, gt=0, description="A widget slower to read is closed.")
    router_batch_size: int = Field(default=200, ge=1)
    router_idle_wait_ms: int = Field(
        default=10, ge=1, le=1000, description="An idle router looks for new inbound messages this often."
    )
    team: str = Field(default="sales", description="The team new leads are routed among.")
    log_level: str = Field(default="info")
    mailboxes: list[MailboxSettings] = Field(
        default_factory=list, description="Mailboxes to watch, as a JSON list (SWITCHBOARD_MAILBOXES)."
    )
    crm_address: str = Field(default="", description="Mail sent, CC'd or forwarded here is logged on the contact.")
    mail_authserv_ids: list[str] = Field(
        default_factory=list,
        description="Receiving mail servers (authserv-id) whose topmost Authentication-Results are believed.",
    )
    crm_trusted_senders: list[str] = Field(
        default_factory=list,
        description="Addresses or @domains whose copies to the CRM address count as theirs without those results.",
    )
    mail_command_timeout: float = Field(default=30.0, gt=0, description="Seconds an IMAP or SMTP server may take.")
    mail_idle_seconds: float = Field(default=240.0, gt=0, description="IDLE is renewed and checked this often.")
    mail_poll_seconds: float = Field(default=30.0, gt=0, description="Polling interval where IDLE is not offered.")
    mail_max_backoff: float = Field(default=60.0, gt=0)
    mail_retry_seconds: float = Field(
        default=30.0, gt=0, description="First wait before sending a reply, or the next campaign mail, again."
    )
    mail_max_attempts: int = Field(default=8, ge=1)
    mail_send_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A reply or campaign mail claimed this long ago by a stopped sender is taken over.",
    )
    telegram_bots: list[TelegramBotSettings] = Field(
        default_factory=list, description="Telegram bots, as a JSON list (SWITCHBOARD_TELEGRAM_BOTS)."
    )
    telegram_max_update_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Larger webhook bodies get 413, before they are read."
    )
    telegram_poll_seconds: int = Field(default=25, ge=0, le=50, description="How long one getUpdates call waits.")
    telegram_retry_seconds: float = Field(default=5.0, gt=0, description="First wait before a reply is tried again.")
    telegram_max_attempts: int = Field(default=8, ge=1)
    telegram_send_lease_seconds: float = Field(
        default=120.0, gt=0, description="A reply claimed this long ago by a stopped sender is taken over."
    )
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=0, description="Larger attachments are not kept.")
    dead_letter_attempts: int = Field(
        default=3, ge=1, description="Tries of a record or event that fails on its own before it is set aside."
    )
    dead_letter_backoff_seconds: float = Field(
        default=0.1, ge=0, description="First pause between those tries; it doubles each time."
    )
    vk_communities: list[VkCommunitySettings] = Field(
        default_factory=list, description="VK communities to answer, as a JSON list (SWITCHBOARD_VK_COMMUNITIES)."
    )
    vk_max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="Larger Callback API bodies get 413.")
    vk_longpoll_wait_seconds: int = Field(default=25, ge=1, le=90, description="How long one long poll waits.")
    vk_api_timeout_seconds: float = Field(default=30.0, gt=0, description="Seconds a VK API call may take.")
    vk_retry_seconds: float = Field(default=2.0, gt=0, description="First wait before sending a VK reply again.")
    vk_max_attempts: int = Field(default=8, ge=1)
    vk_send_lease_seconds: float = Field(
        default=120.0, gt=0, description="A VK reply claimed this long ago by a stopped sender is taken over."
    )
    http_max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Larger HTTP request bodies get 413.")
    import_batch_rows: int = Field(
        default=500, ge=1, le=1_000, description="Rows of an imported file saved per transaction."
    )
    campaign_mails_per_second: float = Field(
        default=10.0, gt=0, le=1000, description="Campaign mails handed to the SMTP server per second, at most."
    )
    import_lease_seconds: float = Field(
        default=60.0, gt=0, description="An import job whose gateway stopped is taken up again after this long."
    )
    import_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often a gateway looks for import jobs another gateway was sent."
    )
    import_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Larger files sent to POST /api/imports get 413."
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Proxies (addresses or networks) whose X-Forwarded-For names the client; none by default.",
    )
    widget_new_visitor_burst: int = Field(default=10, ge=1, description="New visitors one address may start at once.")
    widget_new_visitor_seconds: float = Field(
        default=30.0, gt=0, description="After the burst, one new visitor per address this often."
    )
    widget_history_seconds: float = Field(
        default=1.0, gt=0, description="After a burst of 20, one widget history read per address this often."
    )
    widget_availability_seconds: float = Field(
        default=5.0, gt=0, le=300, description="How long the widget's 'is anyone available' answer is reused."
    )
    login_seconds: float = Field(
        default=5.0, gt=0, description="After a burst of 20, one login attempt per address this often."
    )
    console_max_frame_bytes: int = Field(default=64 * 1024, ge=4096, description="Larger console frames close 1009.")
    console_max_pending_sockets: int = Field(
        default=64, ge=1, description="Console sockets one address may hold open before they authenticate."
    )
    console_queue_frames: int = Field(default=1000, ge=10, description="Frames waiting for one console, at most.")
    console_send_timeout: float = Field(default=10.0, gt=0, description="Seconds a console may take to read a frame.")
    console_compression: bool = Field(
        default=False,
        description="Per-message deflate on console sockets: a compressor each, every push compressed per socket.",
    )
    health_cache_seconds: float = Field(
        default=2.0, ge=0, description="/healthz checks at most this often; answers in between reuse the last check."
    )
    console_session_recheck_seconds: float = Field(
        default=5.0, gt=0, description="Open consoles' sessions are checked this often; an expired one is closed."
    )
    widget_frame_ancestors: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Sites that may frame the widget page (CSP frame-ancestors); any site by default.",
    )
    default_phone_region: str = Field(
        default="",
        pattern="^([A-Z]{2})?$",
        description="ISO 3166 region (LV, DE) phones typed without a country code are read in; none: + required.",
    )
    forms_public_url: str = Field(
        default="", description="Where the form snippet sends submissions (ingest's webhooks port) as browsers see it."
    )
    forms_max_body_bytes: int = Field(
        default=32 * 1024, ge=1024, le=60 * 1024, description="Larger form submissions get 413 before they are read."
    )
    form_submission_burst: int = Field(default=5, ge=1, description="Form submissions one address may send at once.")
    form_submission_seconds: float = Field(
        default=10.0, gt=0, description="After the burst, one form submission per address this often."
    )
    form_definition_seconds: float = Field(
        default=2.0, ge=0, description="Ingest reads a form's definition again after this many seconds."
    )
    call_lines: list[CallLineSettings] = Field(
        default_factory=list, description="Telephone lines, as a JSON list (SWITCHBOARD_CALL_LINES)."
    )
    call_max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Larger call webhook bodies get 413.")
    call_max_age_seconds: int = Field(
        default=300, ge=1, description="A call webhook signed longer ago than this (or this far ahead) is refused."
    )

    @field_validator("call_lines")
    @classmethod
    def _lines_apart(cls, lines: list[CallLineSettings]) -> list[CallLineSettings]:
        names = [line.name for line in lines]
        if len(set(names)) != len(names):
            msg = "each telephone line needs a name of its own"
            raise ValueError(msg)
        return lines

    @field_validator("vk_communities")
    @classmethod
    def _communities_apart(cls, communities: list[VkCommunitySettings]) -> list[VkCommunitySettings]:
        for what, values in (("name", [c.name for c in communities]), ("group_id", [c.group_id for c in communities])):
            if len(set(values)) != len(values):
                msg = f"each VK community needs a {what} of its own"
                raise ValueError(msg)
        return communities

    @property
    def console_url(self) -> str:
        """Where operators open the console."""
        return self.public_url or f"http://{self.http_host}:{self.http_port}"

    @property
    def webchat_url(self) -> str:
        """Where the widget opens its websocket."""
        return self.webchat_public_url or f"ws://{self.http_host}:{self.webchat_port}/"

    @property
    def forms_url(self) -> str:
        """Where the form snippet reads forms and sends submissions."""
        return (self.forms_public_url or f"http://{self.http_host}:{self.webhooks_port}").rstrip("/")

    @property
    def origins(self) -> list[str]:
        """Origins trusted for websockets: configured, or the console's own."""
        if self.allowed_origins:
            return self.allowed_origins
        port = self.http_port
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]

    def require_secret(self) -> str:
        """The signing key; refuse to run without one rather than sign with a default."""
        key = self.secret_key.get_secret_value()
        if len(key) < 16:  # noqa: PLR2004
            msg = "SWITCHBOARD_SECRET_KEY must be set to at least 16 characters"
            raise RuntimeError(msg)
        return key

    def environment(self) -> dict[str, str]:
        """The ``SWITCHBOARD_*`` variables that give a child process these settings (secrets included).

        Only what differs from the defaults is written, each as the process reads it back.
        """
        env: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if value == field.get_default(call_default_factory=True):
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif name == "mailboxes":
                value = [box.with_secrets() for box in self.mailboxes]
            elif name == "telegram_bots":
                value = [bot.with_secrets() for bot in self.telegram_bots]
            elif name == "vk_communities":
                value = [community.with_secrets() for community in self.vk_communities]
            elif name == "call_lines":
                value = [line.with_secrets() for line in self.call_lines]
            plain = to_jsonable_python(value)
            env[f"SWITCHBOARD_{name.upper()}"] = plain if isinstance(plain, str) else json.dumps(plain)
        return env

    def secret_values(self) -> list[str]:
        """Every secret these settings hold, written out: for hiding them from the logs."""
        held: list[SecretStr] = [self.secret_key]
        held += [secret for box in self.mailboxes for secret in (box.password, box.smtp_password)]
        held += [secret for bot in self.telegram_bots for secret in (bot.token, bot.secret_token)]
        held += [secret for community in self.vk_communities for secret in (community.token, community.secret)]
        held += [line.secret for line in self.call_lines]
        password = urlsplit(self.database_url).password
        written = [secret.get_secret_value() for secret in held] + ([password, unquote(password)] if password else [])
        return [value for value in written if value]

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing library's persistence settings for our database."""
        url = urlsplit(self.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(url.path.lstrip("/")),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": "4",
            "AGGREGATE_CACHE_MAXSIZE": "20000",
        }


class ConfigurationError(RuntimeError):
    """The environment does not make valid settings; the message names each field and never its value."""


def load_settings() -> Settings:
    """Settings from the environment, or ConfigurationError saying which variables are wrong.

    Pydantic's own message quotes the values it refused; a mailbox's password can be among them.
    """
    try:
        return Settings()
    except ValidationError as invalid:
        fields = (
            (".".join(str(part) for part in error["loc"]) or "settings", error["msg"]) for error in invalid.errors()
        )
        problems = "; ".join(f"{field}: {message}" for field, message in fields)
        msg = f"invalid SWITCHBOARD_* configuration: {problems}"
        raise ConfigurationError(msg) from None
