"""The per-hop table: spans between the hops each message reached, and the whole way."""

from __future__ import annotations

import pytest

from bench.hops import Passage, hop_figures, hop_table


def passage(**at: float) -> Passage:
    names = {
        "accepted": "ingest accepted",
        "stored": "router stored",
        "published": "relay published",
        "applied": "projection applied",
        "pushed": "gateway pushed",
    }
    return Passage({names[k]: v for k, v in at.items()})


def test_each_hop_is_timed_from_the_one_before_it_that_the_message_reached() -> None:
    passages = {
        "a": passage(accepted=10.000, stored=10.010, published=10.012, applied=10.020, pushed=10.021),
        "b": passage(accepted=20.000, stored=20.030, applied=20.050),  # the relay's stamp was not found
    }
    spans = hop_figures(passages)
    assert spans["ingest accepted -> router stored"]["p50"] == pytest.approx(10)
    assert spans["ingest accepted -> router stored"]["p99"] == pytest.approx(30)
    assert spans["router stored -> relay published"]["count"] == 1
    assert spans["router stored -> projection applied"]["p50"] == pytest.approx(20)
    assert spans["ingest accepted -> gateway pushed (whole)"]["p50"] == pytest.approx(21)
    assert spans["ingest accepted -> projection applied (whole)"]["p50"] == pytest.approx(50)
    assert "projection applied -> gateway pushed" in hop_table({"latency run": spans})


def test_a_message_seen_at_one_hop_only_makes_no_span() -> None:
    assert hop_figures({"a": passage(accepted=1.0)}) == {}
