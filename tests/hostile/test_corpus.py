"""The corpus itself, without the system: large enough, every case named once, every answer stated."""

from __future__ import annotations

import uuid

from tests.hostile.console import console_cases
from tests.hostile.corpus import counts, unique_names
from tests.hostile.mail import mail_cases
from tests.hostile.rest_requests import rest_cases
from tests.hostile.widget_frames import widget_cases


def corpus() -> list:
    return [*widget_cases(16_384), *console_cases(uuid.uuid4()), *rest_cases(uuid.uuid4()), *mail_cases()]


def test_the_corpus_holds_at_least_a_thousand_cases_on_every_surface_with_an_answer_each() -> None:
    cases = corpus()
    per_surface = counts(cases)
    assert set(per_surface) == {"widget", "console", "rest", "mail"}
    assert sum(per_surface.values()) >= 1000
    assert min(per_surface.values()) >= 100
    assert unique_names(cases) == []
    assert all(case.expect for case in cases)


def test_valid_unusual_text_is_expected_to_be_accepted_on_every_surface() -> None:
    must_accept = {
        "message.text/valid_unicode": "accepted",
        "message.id/valid_unicode": "accepted",
        "reply.text/valid_unicode": "ack",
        "reply.request_id/valid_unicode": "ack",
        "subject/valid_unicode": "stored",
        "body/valid_unicode": "stored",
    }
    checked = 0
    for case in corpus():
        if case.family in must_accept:
            assert case.expect == {must_accept[case.family]}, case.name
            checked += 1
    assert checked >= 60
