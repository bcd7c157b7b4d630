"""/api/v1/products/{id}/price and /discounts: base prices over time, and discounts."""

import uuid
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Response

from application.messagebus import CommandResult
from application.ports import Clock
from application.repository import AggregateRepository
from application.temporal import TemporalQueries
from domain import commands
from domain.pricing import Pricing, pricing_id
from domain.values import currency_code
from entrypoints.containers import Container
from entrypoints.http.auth import PRICING, READ, requires
from entrypoints.http.commanding import CommandRunner, expected_version
from entrypoints.http.parsing import Blueprint
from entrypoints.http.rendering import (
    command_on_an_entity,
    errors,
    json_response,
    no_content,
    pricing_view,
    quote_view,
    with_location,
)
from entrypoints.http.schemas.pricing import (
    DiscountCreateSchema,
    PriceQuerySchema,
    PriceQuoteSchema,
    PricingSchema,
    SetPriceSchema,
)

blp = Blueprint("pricing", __name__, url_prefix="/api/v1/products", description="Prices and discounts")


@inject
def _pricing_view(product_id: str, status: int = 200, seen_version: int | None = None,
                  repository: AggregateRepository = Provide[Container.repository],
                  clock: Clock = Provide[Container.clock]) -> Response:
    with repository.reading(Pricing, pricing_id(product_id), seen_version) as pricing:
        return json_response(pricing_view(pricing, product_id, clock.now()), status, pricing.version)


def _rendered(product_id: str, status: int = 200) -> Any:
    """The prices as the command left them (or later): its ETag is the command's version."""
    def render(result: CommandResult) -> Response:
        seen = result.version if result.entity_id == pricing_id(product_id) else None
        return _pricing_view(product_id, status, seen)
    return render


@blp.route("/<uuid:product_id>/price", methods=["PUT"])
@blp.arguments(SetPriceSchema)
@blp.response(200, PricingSchema)
@command_on_an_entity(blp)
@requires(PRICING)
@inject
def set_price(body: dict[str, Any], product_id: uuid.UUID,
              runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """Immediate, or scheduled with a future `effectiveFrom`; money is a decimal string."""
    command = commands.SetPrice(str(product_id), body["amount"], body["currency"], body["effectiveFrom"],
                                expected_version())
    return runner.run(command, _rendered(str(product_id)))


@blp.route("/<uuid:product_id>/price", methods=["GET"])
@blp.arguments(PriceQuerySchema, location="query")
@blp.response(200, PriceQuoteSchema)
@errors(blp, 401, 403, 404, 422, 503)
@requires(READ)
@inject
def get_price(query: dict[str, Any], product_id: uuid.UUID, temporal: TemporalQueries = Provide[Container.temporal],
              clock: Clock = Provide[Container.clock]) -> Response:
    """The price in effect `at` (default now), as the catalog knew it `asOf` (default now);
    `version` (and the ETag) is the version of the product's prices the answer stands on."""
    currency = currency_code(query["currency"])
    at, as_of = query.get("at") or clock.now(), query.get("asOf")
    quote, version = temporal.quoted(str(product_id), currency, at, as_of)
    return json_response(quote_view(str(product_id), quote, at, as_of, version), version=version)


@blp.route("/<uuid:product_id>/discounts", methods=["POST"])
@blp.arguments(DiscountCreateSchema)
@blp.response(201, PricingSchema)
@command_on_an_entity(blp)
@requires(PRICING)
@inject
def add_discount(body: dict[str, Any], product_id: uuid.UUID,
                 runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """Percentage (0 < value <= 100) or fixed (in `currency`); when several apply, the lowest price wins."""
    discount_id = body["id"] or runner.new_id("discount")
    command = commands.AddDiscount(str(product_id), discount_id, body["kind"], body["value"], body["currency"],
                                   body["validFrom"], body["validUntil"], expected_version())
    location = f"/api/v1/products/{product_id}/discounts/{discount_id}"
    return runner.run(command, with_location(_rendered(str(product_id), 201), location))


@blp.route("/<uuid:product_id>/discounts/<string:discount_id>", methods=["DELETE"])
@blp.response(204)
@command_on_an_entity(blp)
@requires(PRICING)
@inject
def remove_discount(product_id: uuid.UUID, discount_id: str,
                    runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    return runner.run(commands.RemoveDiscount(str(product_id), discount_id, expected_version()), no_content)
