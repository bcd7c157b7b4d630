"""/api/v1/products: the catalog's products."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Response

from application.errors import MissingReference
from application.ports import Clock, EventStore
from application.read_models import ProductFilter, ReadModels
from application.temporal import TemporalQueries
from domain import commands
from domain.pricing import pricing_id
from domain.product import Product
from domain.values import currency_code
from entrypoints.containers import Container
from entrypoints.http.auth import CATALOG, DELETE, READ, requires
from entrypoints.http.commanding import CommandRunner, expected_version
from entrypoints.http.freshness import view_at_least
from entrypoints.http.parsing import Blueprint
from entrypoints.http.problems import Problem
from entrypoints.http.rendering import (
    IDEMPOTENCY_KEY,
    command_on_an_entity,
    errors,
    history_response,
    json_response,
    no_content,
    product_state,
    request_headers,
    with_location,
)
from entrypoints.http.schemas.common import HistorySchema
from entrypoints.http.schemas.products import (
    ProductAtSchema,
    ProductCreateSchema,
    ProductPageSchema,
    ProductPatchSchema,
    ProductQuerySchema,
    ProductSchema,
)

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Products")


@inject
def _product_view(product_id: str, status: int = 200, min_version: int | None = None, wait_ms: int = 0,
                  read_models: ReadModels = Provide[Container.read_models], clock: Clock = Provide[Container.clock],
                  store: EventStore = Provide[Container.event_store]) -> Response:
    view = view_at_least(lambda: read_models.product(product_id, clock.now()), store, "product", product_id,
                         min_version, wait_ms)
    return json_response(view, status, view["version"])


def _rendered(status: int = 200) -> Any:
    return lambda result: _product_view(result.entity_id, status)


@blp.route("", methods=["POST"])
@blp.arguments(ProductCreateSchema)
@blp.response(201, ProductSchema)
@errors(blp, 400, 401, 403, 409, 422, 503)
@request_headers(blp, IDEMPOTENCY_KEY)
@requires(CATALOG)
@inject
def create_product(body: dict[str, Any], runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    product_id = str(body["id"] or runner.new_id("product"))
    command = commands.CreateProduct(product_id, body["sku"], body["name"], body["description"], body["brand"],
                                     body["attributes"], tuple(str(c) for c in body["categoryIds"]))
    return runner.run(command, with_location(_rendered(201), f"/api/v1/products/{product_id}"))


@blp.route("", methods=["GET"])
@blp.arguments(ProductQuerySchema, location="query")
@blp.response(200, ProductPageSchema)
@errors(blp, 400, 401, 403, 422, 503)
@requires(READ)
@inject
def list_products(query: dict[str, Any], read_models: ReadModels = Provide[Container.read_models],
                  clock: Clock = Provide[Container.clock]) -> Response:
    if ("minPrice" in query or "maxPrice" in query) and "currency" not in query:
        raise Problem(422, "Invalid fields", "a price range needs a currency",
                      errors={"currency": ["required with minPrice or maxPrice"]})
    where = ProductFilter(
        category_id=str(query["category"]) if "category" in query else None, status=query.get("status"),
        text=query.get("q"), min_price=_decimal(query.get("minPrice")), max_price=_decimal(query.get("maxPrice")),
        currency=currency_code(query["currency"]) if "currency" in query else None)
    try:
        page = read_models.products(where, query.get("cursor"), query["limit"], clock.now())
    except ValueError as error:
        raise Problem(422, "Invalid fields", str(error), errors={"cursor": [str(error)]}) from None
    return json_response({"items": page.items, "nextCursor": page.next_cursor})


@blp.route("/<uuid:product_id>", methods=["GET"])
@blp.arguments(ProductAtSchema, location="query")
@blp.response(200, ProductSchema)
@errors(blp, 401, 403, 404, 422, 503)
@requires(READ)
def get_product(query: dict[str, Any], product_id: uuid.UUID) -> Response:
    if "version" in query and "asOf" in query:
        raise Problem(422, "Invalid fields", "ask for a version or a moment, not both",
                      errors={"asOf": ["not together with version"]})
    if "version" not in query and "asOf" not in query:
        return _product_view(str(product_id), min_version=query.get("minVersion"), wait_ms=query["maxWaitMs"])
    if "minVersion" in query:
        raise Problem(422, "Invalid fields", "minVersion waits for the read model; version and asOf read the events",
                      errors={"minVersion": ["not together with version or asOf"]})
    return _product_at(str(product_id), query.get("version"), query.get("asOf"))


@inject
def _product_at(product_id: str, version: int | None, as_of: datetime | None,
                temporal: TemporalQueries = Provide[Container.temporal]) -> Response:
    """The product rebuilt from its events (the read model answers every other read)."""
    product = temporal.state(Product, product_id, version, as_of)
    return json_response(product_state(product), version=product.version)


@blp.route("/<uuid:product_id>", methods=["PATCH"])
@blp.arguments(ProductPatchSchema)
@blp.response(200, ProductSchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def patch_product(body: dict[str, Any], product_id: uuid.UUID,
                  runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    command = commands.UpdateProduct(
        str(product_id), body.get("name"), body.get("description"), body.get("brand"),
        body.get("attributes", {}), tuple(body.get("removeAttributes", ())), expected_version())
    return runner.run(command, _rendered())


@blp.route("/<uuid:product_id>/activate", methods=["POST"])
@blp.response(200, ProductSchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def activate_product(product_id: uuid.UUID, runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """Needs a name, at least one category and a current price."""
    return runner.run(commands.ActivateProduct(str(product_id), expected_version()), _rendered())


@blp.route("/<uuid:product_id>/deactivate", methods=["POST"])
@blp.response(200, ProductSchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def deactivate_product(product_id: uuid.UUID, runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    return runner.run(commands.DeactivateProduct(str(product_id), expected_version()), _rendered())


@blp.route("/<uuid:product_id>/discontinue", methods=["POST"])
@blp.response(200, ProductSchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def discontinue_product(product_id: uuid.UUID, runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """Final: a discontinued product accepts only deletion."""
    return runner.run(commands.DiscontinueProduct(str(product_id), expected_version()), _rendered())


@blp.route("/<uuid:product_id>", methods=["DELETE"])
@blp.response(204)
@command_on_an_entity(blp)
@requires(DELETE)
@inject
def delete_product(product_id: uuid.UUID, runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    return runner.run(commands.DeleteProduct(str(product_id), expected_version()), no_content)


@blp.route("/<uuid:product_id>/categories/<uuid:category_id>", methods=["PUT"])
@blp.response(200, ProductSchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def add_to_category(product_id: uuid.UUID, category_id: uuid.UUID,
                    runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    command = commands.AddProductToCategory(str(product_id), str(category_id), expected_version())
    try:
        return runner.run(command, _rendered())
    except MissingReference:  # the category the path names
        raise Problem(404, "Not found", f"category {category_id} does not exist") from None


@blp.route("/<uuid:product_id>/categories/<uuid:category_id>", methods=["DELETE"])
@blp.response(200, ProductSchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def remove_from_category(product_id: uuid.UUID, category_id: uuid.UUID,
                         runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    command = commands.RemoveProductFromCategory(str(product_id), str(category_id), expected_version())
    return runner.run(command, _rendered())


@blp.route("/<uuid:product_id>/history", methods=["GET"])
@blp.response(200, HistorySchema)
@errors(blp, 401, 403, 404, 503)
@requires(READ)
@inject
def product_history(product_id: uuid.UUID, temporal: TemporalQueries = Provide[Container.temporal]) -> Response:
    """The audit trail: every event of the product and of its prices, oldest first."""
    events = temporal.history(str(product_id), Product)
    prices = temporal.repository.history(pricing_id(str(product_id)))
    merged = sorted(events + prices, key=lambda e: (e.timestamp, e.aggregate_type != "product", e.sequence_number))
    return history_response(str(product_id), merged)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
