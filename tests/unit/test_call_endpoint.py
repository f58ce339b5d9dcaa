"""The call webhooks: 200 only once published, 503 while Kafka cannot take it, 409 to a replay."""

from __future__ import annotations

import json
import time

from aiokafka.errors import KafkaConnectionError
from starlette.applications import Starlette
from starlette.testclient import TestClient

from connectors.calls.endpoint import CallWebhooks, Line
from connectors.calls.replays import RecentRequests
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


def test_the_same_signed_request_again_is_a_replay_and_a_retry_signed_anew_is_taken() -> None:
    broker = Broker()
    http = client(broker)
    body = json.dumps(call_event("started", "c7")).encode()
    headers = signed_headers(body, at=time.time() - 5)
    assert http.post(f"/calls/{LINE}", content=body, headers=headers).status_code == 200
    replayed = http.post(f"/calls/{LINE}", content=body, headers=headers)
    assert replayed.status_code == 409
    assert "taken already" in replayed.json()["error"]
    retried = http.post(f"/calls/{LINE}", content=body, headers=signed_headers(body))
    assert retried.status_code == 200
    assert [e.call_id for e in broker.published] == ["c7", "c7"]


def test_a_request_kafka_could_not_take_may_be_sent_again_as_it_was() -> None:
    broker = Broker()
    http = client(broker)
    body = json.dumps(call_event("missed", "c8")).encode()
    headers = signed_headers(body)
    broker.down = True
    assert http.post(f"/calls/{LINE}", content=body, headers=headers).status_code == 503
    broker.down = False
    assert http.post(f"/calls/{LINE}", content=body, headers=headers).status_code == 200
    assert http.post(f"/calls/{LINE}", content=body, headers=headers).status_code == 409
    assert [e.call_id for e in broker.published] == ["c8"]


def test_a_twilio_callback_replayed_with_its_parameters_reordered_is_still_a_replay() -> None:
    broker = Broker()
    http = client(broker)
    url = "https://calls.shop.example/calls/twilio/tw"
    params = {
        "CallSid": "CA2",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "From": "+37120000000",
        "To": "+37167000000",
    }
    headers = {
        TWILIO_SIGNATURE_HEADER: twilio_signature(TWILIO_TOKEN, url, {k: [v] for k, v in params.items()}),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    first = http.post(f"/calls/twilio/{TWILIO_LINE}", data=params, headers=headers)
    assert first.status_code == 200, first.text
    reordered = dict(reversed(list(params.items())))
    assert http.post(f"/calls/twilio/{TWILIO_LINE}", data=reordered, headers=headers).status_code == 409
    assert [e.call_id for e in broker.published] == ["CA2"]


def test_a_signature_is_forgotten_once_it_could_no_longer_be_accepted() -> None:
    now = [0.0]
    recent = RecentRequests(window_seconds=300, clock=lambda: now[0])
    assert recent.take("a")
    assert not recent.take("a")
    now[0] = 599.0
    assert not recent.take("a")
    now[0] = 601.0
    assert recent.take("a")
