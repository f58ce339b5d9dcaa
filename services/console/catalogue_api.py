"""REST for the shared catalogue: pipelines with their stages, and products.

Everyone may see them; changing them is for the roles allowed every product (directors and admins
unless configured otherwise). Stages keep their ids through renames and moves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from application.add_stage import add_stage
from application.change_stage_probability import change_stage_probability
from application.create_pipeline import create_pipeline
from application.create_product import create_product
from application.rename_stage import rename_stage
from application.reorder_stages import reorder_stages
from application.update_product import update_product
from domain.errors import InvalidField
from domain.permissions import Action
from domain.pipeline import StageDraft
from services.console.accounts import Operator
from services.console.paging import CRM_PAGE, requested
from services.console.sales_access import NotVisible, SalesAccess
from services.console.sales_http import (
    Answer,
    Authenticate,
    Handler,
    flag_field,
    given,
    guarded,
    ids_field,
    path_id,
    version_field,
    whole_field,
)
from services.console.sales_queries import BY_NAME, BY_TIME, pipeline, pipelines, product, products


class CatalogueApi:
    """The routes of pipelines and products."""

    def __init__(self, access: SalesAccess, pool: Callable[[], asyncpg.Pool], authenticate: Authenticate) -> None:
        self._access = access
        self._pool = pool
        self._authenticate = authenticate

    def routes(self) -> list[BaseRoute]:
        """Every route of the catalogue."""
        return [
            self._route("/api/pipelines", "GET", self._pipelines),
            self._route("/api/pipelines", "POST", self._new_pipeline),
            self._route("/api/pipelines/{pipeline_id}", "GET", self._pipeline),
            self._route("/api/pipelines/{pipeline_id}/stages", "POST", self._new_stage),
            self._route("/api/pipelines/{pipeline_id}/stages", "PUT", self._stage_order),
            self._route("/api/pipelines/{pipeline_id}/stages/{stage_id}", "PATCH", self._stage),
            self._route("/api/products", "GET", self._products),
            self._route("/api/products", "POST", self._new_product),
            self._route("/api/products/{product_id}", "GET", self._product),
            self._route("/api/products/{product_id}", "PATCH", self._changed_product),
        ]

    def _route(self, path: str, method: str, handler: Handler) -> Route:
        async def endpoint(request: Request) -> Response:
            return await guarded(self._authenticate, request, handler)

        endpoint.__doc__ = f"{method} {path}: {handler.__doc__}"
        return Route(path, endpoint, methods=[method])

    async def _may(self, operator: Operator, action: Action) -> None:
        who = await asyncio.to_thread(self._access.actor, operator)
        self._access.require_catalogue(who, action)

    async def _pipelines(self, operator: Operator, request: Request, _: dict[str, Any]) -> Answer:
        """The pipelines with their stages in order, the oldest first; ?limit, ?cursor."""
        await self._may(operator, Action.VIEW)
        found, cursor = await pipelines(self._pool(), requested(request.query_params, BY_TIME, default=CRM_PAGE))
        return {"pipelines": found, "next_cursor": cursor}

    async def _pipeline(self, operator: Operator, request: Request, _: dict[str, Any]) -> Answer:
        """One pipeline with its stages."""
        await self._may(operator, Action.VIEW)
        found = await pipeline(self._pool(), path_id(request, "pipeline_id"))
        if found is None:
            msg = "no pipeline among those you may see"
            raise NotVisible(msg)
        return found

    async def _new_pipeline(self, operator: Operator, _: Request, body: dict[str, Any]) -> Answer:
        """Create a pipeline: {"name", "stages": [{"name", "kind": in_progress|won|lost, "probability"}]}."""
        await self._may(operator, Action.CREATE)
        stages = body.get("stages")
        if not isinstance(stages, list):
            raise InvalidField("stages", "must be a list of stages, each with name, kind and probability")
        drafts = [_draft(stage, f"stages[{n}]") for n, stage in enumerate(stages)]
        created = await asyncio.to_thread(
            create_pipeline, self._access.store(), given(body, "name"), drafts, operator.manager_id
        )
        return 201, {"id": str(created), "version": 1}

    async def _new_stage(self, operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        """Add a stage: {"name", "kind", "probability", "position"?: 0 first, absent last, "expected_version"?}."""
        await self._may(operator, Action.EDIT)
        pipeline_id = path_id(request, "pipeline_id")
        draft = _draft(body, "")
        stage = await asyncio.to_thread(
            add_stage,
            self._access.store(),
            pipeline_id,
            draft.name,
            draft.kind,
            draft.probability,
            operator.manager_id,
            position=whole_field(body, "position"),
            expected_version=version_field(body),
        )
        return 201, {"pipeline_id": str(pipeline_id), "stage_id": str(stage)}

    async def _stage(self, operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        """Rename a stage or change its default probability: {"name"?, "probability"?, "expected_version"?}."""
        await self._may(operator, Action.EDIT)
        pipeline_id, stage_id = path_id(request, "pipeline_id"), path_id(request, "stage_id")
        if "name" not in body and "probability" not in body:
            raise InvalidField("name", "or 'probability' must be given")
        version = version_field(body)
        store, by = self._access.store(), operator.manager_id
        if "name" in body:
            version = await asyncio.to_thread(rename_stage, store, pipeline_id, stage_id, body["name"], by, version)
        if "probability" in body:
            version = await asyncio.to_thread(
                change_stage_probability, store, pipeline_id, stage_id, body["probability"], by, version
            )
        return {"pipeline_id": str(pipeline_id), "stage_id": str(stage_id), "version": version}

    async def _stage_order(self, operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        """Put the stages in order: {"order": [every stage id once], "expected_version"?}."""
        await self._may(operator, Action.EDIT)
        pipeline_id = path_id(request, "pipeline_id")
        order = ids_field(body, "order")
        version = await asyncio.to_thread(
            reorder_stages, self._access.store(), pipeline_id, order, operator.manager_id, version_field(body)
        )
        return {"pipeline_id": str(pipeline_id), "version": version}

    async def _products(self, operator: Operator, request: Request, _: dict[str, Any]) -> Answer:
        """The catalogue by name; ?active=true|false, ?limit, ?cursor."""
        await self._may(operator, Action.VIEW)
        active = request.query_params.get("active")
        if active not in (None, "true", "false"):
            raise InvalidField("active", "must be true or false")
        page = requested(request.query_params, BY_NAME, default=CRM_PAGE)
        found, cursor = await products(self._pool(), page, None if active is None else active == "true")
        return {"products": found, "next_cursor": cursor}

    async def _product(self, operator: Operator, request: Request, _: dict[str, Any]) -> Answer:
        """One product."""
        await self._may(operator, Action.VIEW)
        found = await product(self._pool(), path_id(request, "product_id"))
        if found is None:
            msg = "no product among those you may see"
            raise NotVisible(msg)
        return found

    async def _new_product(self, operator: Operator, _: Request, body: dict[str, Any]) -> Answer:
        """Add a product: {"name", "price": decimal text, "currency", "sku"?, "category"?}."""
        await self._may(operator, Action.CREATE)
        created = await asyncio.to_thread(
            create_product,
            self._access.store(),
            given(body, "name"),
            given(body, "price"),
            given(body, "currency"),
            operator.manager_id,
            sku=body.get("sku", ""),
            category=body.get("category", ""),
        )
        return 201, {"id": str(created), "version": 1}

    async def _changed_product(self, operator: Operator, request: Request, body: dict[str, Any]) -> Answer:
        """Change a product: any of {"name", "sku", "category", "price", "currency", "active"}, "expected_version"?."""
        await self._may(operator, Action.EDIT)
        product_id = path_id(request, "product_id")
        version = await asyncio.to_thread(
            update_product,
            self._access.store(),
            product_id,
            operator.manager_id,
            name=body.get("name"),
            sku=body.get("sku"),
            category=body.get("category"),
            price=body.get("price"),
            currency=body.get("currency"),
            active=flag_field(body, "active"),
            expected_version=version_field(body),
        )
        return {"id": str(product_id), "version": version}


def _draft(stage: object, prefix: str) -> StageDraft:
    if not isinstance(stage, dict):
        raise InvalidField(prefix, "must be an object with name, kind and probability")
    return StageDraft(stage.get("name"), stage.get("kind"), stage.get("probability"))  # type: ignore[arg-type]
