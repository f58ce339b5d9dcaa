"""The call webhooks' answers around publishing: 200 only once published, 503 while Kafka cannot take it."""

from __future__ import annotations

import json
import time

from aiokafka.errors import KafkaConnectionError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from connectors.calls.endpoint import CallWebhooks, Line
from connectors.calls.signing import TWILIO_SIGNATURE_HEADER, twilio_signature
from domain.call_event import CallEvent, CallEventKind
from tests.call_webhooks import LINE, SECRET, TWILIO_LINE, TWILIO_TOKEN, call_event, signed_headers


class Broker:
    def __init__(self) -> None:
        self.published: list[CallEvent] = []
        self.down = False

    async def publish(self, event: CallEvent) -> None:
        if self.down:
            msg = "no broker answers"
            raise KafkaConnectionError(msg)
        self.published.append(event)


def client(broker: Broker) -> TestClient:
    lines = {
        LINE: Line(LINE, "generic", SECRET),
        TWILIO_LINE: Line(TWILIO_LINE, "twilio", TWILIO_TOKEN, "https://calls.shop.example/calls/twilio/tw"),
    }
    webhooks = CallWebhooks(lines, broker.publish, max_body_bytes=65536, max_age_seconds=300, clock=time.time)
    return TestClient(Starlette(routes=webhooks.routes()))


def test_an_event_kafka_cannot_take_gets_503_and_is_taken_when_sent_again() -> None:
    broker = Broker()
    http = client(broker)
    body = json.dumps(call_event("missed", "c9")).encode()
    broker.down = True
    refused = http.post(f"/calls/{LINE}", content=body, headers=signed_headers(body))
    assert refused.status_code == 503
    assert "send it again" in refused.json()["error"]
    assert broker.published == []
    broker.down = False
    taken = http.post(f"/calls/{LINE}", content=body, headers=signed_headers(body))
    assert taken.status_code == 200
    assert taken.json() == {"status": "accepted", "call_id": "c9", "event": "missed"}
    assert [(e.call_id, e.kind) for e in broker.published] == [("c9", CallEventKind.MISSED)]


def test_a_recording_twilio_has_not_finished_is_answered_and_not_published() -> None:
    broker = Broker()
    params = {"CallSid": "CA1", "RecordingStatus": "in-progress", "RecordingUrl": "https://api.twilio.com/r/RE1"}
    signature = twilio_signature(
        TWILIO_TOKEN, "https://calls.shop.example/calls/twilio/tw", {k: [v] for k, v in params.items()}
    )
    answer = client(broker).post(
        f"/calls/twilio/{TWILIO_LINE}", data=params, headers={TWILIO_SIGNATURE_HEADER: signature}
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "ignored"
    assert broker.published == []
