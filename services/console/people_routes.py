"""The REST routes of contacts, companies, leads and duplicates."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from starlette.routing import BaseRoute

from services.console.companies_api import CompaniesApi
from services.console.contacts_api import ContactsApi
from services.console.duplicates_api import DuplicatesApi
from services.console.leads_api import LeadsApi
from services.console.sales_access import SalesAccess
from services.console.sales_http import Authenticate


def people_routes(
    access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate, default_phone_region: str = ""
) -> list[BaseRoute]:
    """Every route of people and leads, each checking the caller's session and role.

    Phones typed without a country code are read in ``default_phone_region``.
    """
    return [
        *ContactsApi(access, pool, authenticate, default_phone_region).routes(),
        *DuplicatesApi(access, pool, authenticate).routes(),
        *CompaniesApi(access, pool, authenticate, default_phone_region).routes(),
        *LeadsApi(access, pool, authenticate).routes(),
    ]
