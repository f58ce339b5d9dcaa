"""The topics' AsyncAPI document, generated from the processes' own FastStream brokers.

``switchboard asyncapi`` writes it to ``docs/asyncapi.json``; a unit test fails when the committed
document is not what the code generates. Nothing here connects to Kafka: a broker connects only
when it is started, and these never are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import asyncpg
import yaml
from faststream.specification import AsyncAPI
from faststream.specification.base import Specification

from application.event_store import EventStore
from services.ingest import service as ingest
from services.router import service as router
from services.router.outbox import declare_publishers
from services.settings import Settings
from services.topics import Topics

DOCUMENT = Path("docs/asyncapi.json")
# The version of the topics' published language: raise it when a record changes in a way readers notice.
VERSION = "1.0.0"
DESCRIPTION = (
    "The Kafka topics between Switchboard's processes. Ingest publishes what the channels accepted to"
    " inbound; the router stores it and relays every stored event to domain-events, and replies and"
    " queue places to outbound. Topic names carry the default prefix, 'switchboard';"
    " SWITCHBOARD_TOPIC_PREFIX changes it."
)


class _NotRunHere:
    """Stands in for what a handler uses while it runs: the document is made without running any."""

    def __getattr__(self, name: str) -> object:
        msg = f"{name}: a broker built for the AsyncAPI document does not handle messages"
        raise RuntimeError(msg)


def specification() -> Specification:
    """The document, from the brokers of ingest and the router as they declare their topics."""
    # Defaults, not the environment: the committed document is the same wherever it is made.
    settings = Settings.model_construct()
    ingest_broker, *_ = ingest.build_broker(settings)
    router_broker = router.build_broker(
        settings, cast("EventStore", _NotRunHere()), cast("asyncpg.Pool", _NotRunHere())
    )
    declare_publishers(router_broker, Topics.named(settings.topic_prefix))
    return AsyncAPI(
        ingest_broker, router_broker, title="Switchboard topics", version=VERSION, description=DESCRIPTION
    ).to_specification()


def rendered(path: Path = DOCUMENT) -> str:
    """The document as the file at ``path`` holds it: YAML for a .yaml or .yml name, else JSON."""
    document = _in_order(specification().to_jsonable())
    if path.suffix in {".yaml", ".yml"}:
        text: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        return text
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _in_order(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its channels, operations, messages and schemas sorted by name.

    A broker keeps its publishers in a set, whose order changes from one run to the next; the
    fields of a schema keep the order they are declared in.
    """

    def by_name(mapping: dict[str, Any]) -> dict[str, Any]:
        return dict(sorted(mapping.items()))

    components = document.get("components", {})
    return {
        **document,
        "channels": by_name(document.get("channels", {})),
        "operations": by_name(document.get("operations", {})),
        "components": {**components, **{name: by_name(components.get(name, {})) for name in ("messages", "schemas")}},
    }


def write(path: Path = DOCUMENT) -> None:
    """Write the document to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered(path), encoding="utf-8")
