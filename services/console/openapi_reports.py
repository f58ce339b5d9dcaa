"""The reports' routes in the gateway's OpenAPI document."""

from __future__ import annotations

from typing import Any

from services.console.exports_api import EXPORTS
from services.console.openapi_parts import authed, query
from services.console.report_catalogue import REPORTS
from services.console.report_filters import MAX_AMOUNT_TEXT, MAX_NAME
from services.console.tabular_export import TableFormat

UUID_TEXT = {"type": "string", "format": "uuid"}
WHEN = {"type": "string", "maxLength": 40}
FILTERS = [
    query("from", WHEN, "a day (2026-03-01) or a time with its zone: the period's start"),
    query("to", WHEN, "a day (included) or a time with its zone: the period's end"),
    query("min_amount", {"type": "string", "maxLength": MAX_AMOUNT_TEXT}, "decimal text"),
    query("max_amount", {"type": "string", "maxLength": MAX_AMOUNT_TEXT}, "decimal text"),
    query("pipeline", UUID_TEXT),
    query("responsible", {"type": "string", "maxLength": 36}, "a manager's id, or me"),
    query("department", {"type": "string", "maxLength": MAX_NAME}, "a department's (team's) name"),
    query("company", UUID_TEXT),
    query("source", {"type": "string", "maxLength": MAX_NAME}, "the source (or channel) of the deal's lead"),
    query("format", {"type": "string", "enum": ["json", *(f.value for f in TableFormat)]}, "json unless csv or xlsx"),
]
PAGED = ", ".join(name for name, report in REPORTS.items() if report.pages is not None)
PAGES = [
    query("limit", {"type": "string", "maxLength": 5}, f"rows of a page (1 to 10000, 1000 unless asked): {PAGED}"),
    query("cursor", {"type": "string", "maxLength": 512}, "the next of the page before, for a report given in pages"),
]
NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": list(REPORTS)}}
KIND = {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": list(EXPORTS)}}
EXPORT_FILTERS = [
    query("format", {"type": "string", "enum": [f.value for f in TableFormat]}, "csv unless xlsx"),
    query("responsible", {"type": "string", "maxLength": 36}, "a manager's id, or me"),
    query("company", UUID_TEXT),
    query("tag", {"type": "string", "maxLength": 256}),
    query("vip", {"type": "string", "enum": ["true", "false"]}),
    query("source", {"type": "string", "maxLength": 256}),
    query("status", {"type": "string", "maxLength": 256}, "a lead's qualification"),
    query("q", {"type": "string", "maxLength": 256}, "a name, an e-mail or a phone's digits"),
    query("pipeline", UUID_TEXT),
    query("stage", UUID_TEXT),
]


def report_paths() -> dict[str, dict[str, Any]]:
    """The routes of reports."""
    return {
        "/api/reports": {"get": authed("the reports there are, what each shows and the filters it takes")},
        "/api/reports/{name}": {
            "get": authed(
                "a report in the caller's scope: JSON {report, columns, rows}, or a CSV or XLSX file;"
                " a filter the report does not take is refused",
                400,
                403,
                404,
                parameters=[NAME, *FILTERS, *PAGES],
            )
        },
        "/api/exports/{kind}": {
            "get": authed(
                "every record of a kind the caller's role may export, filtered as its list, as a CSV or XLSX file;"
                " a filter the list does not take is refused",
                400,
                403,
                404,
                parameters=[KIND, *EXPORT_FILTERS],
            )
        },
    }
