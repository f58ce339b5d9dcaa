"""The CRM's REST routes: pipelines and products, deals, activities and timelines, reports."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
from starlette.routing import BaseRoute

from services.console.activities_api import ActivitiesApi
from services.console.catalogue_api import CatalogueApi
from services.console.deals_api import DealsApi
from services.console.reports_api import ReportsApi
from services.console.sales_access import SalesAccess
from services.console.sales_http import Authenticate


def crm_routes(access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> list[BaseRoute]:
    """Every CRM route, each checking the caller's session and role."""
    return [
        *CatalogueApi(access, pool, authenticate).routes(),
        *DealsApi(access, pool, authenticate).routes(),
        *ActivitiesApi(access, pool, authenticate).routes(),
        *ReportsApi(access, pool, authenticate).routes(),
    ]
