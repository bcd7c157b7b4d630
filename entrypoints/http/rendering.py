"""Views of aggregates rebuilt from events, and the shared response shapes."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from flask import Response
from flask_smorest import Blueprint

from application.envelope import StoredEvent, format_timestamp
from application.messagebus import CommandResult
from domain.discounts import Discount, PriceQuote
from domain.pricing import Pricing
from domain.product import Product
from entrypoints.http.commanding import IDEMPOTENCY_KEY_MAX, etag
from entrypoints.http.schemas.common import ProblemSchema

ERROR_DESCRIPTIONS = {
    400: "malformed request (a body missing or not a JSON object sent as application/json, a bad Idempotency-Key)",
    401: "missing or invalid bearer token",
    403: "the token's roles do not allow this",
    404: "unknown (or deleted) resource",
    409: "a business rule or a concurrent change refused the command",
    412: "If-Match names a version that is no longer current",
    422: "invalid fields, with a message per field; or an Idempotency-Key used before for another request",
    503: "the storage cannot be reached or failed: retry later (a write with the same Idempotency-Key)",
}


def errors(blueprint: Blueprint, *codes: int) -> Callable[[Any], Any]:
    """Documents the problem+json answers a view can give."""

    def decorate(view: Any) -> Any:
        documented = view
        for code in codes:
            documented = blueprint.alt_response(code, schema=ProblemSchema, description=ERROR_DESCRIPTIONS[code],
                                                content_type="application/problem+json")(documented)
        return _docs_only(view, documented)

    return decorate


def _docs_only(view: Any, documented: Any) -> Any:
    """The view itself carrying the documentation a flask-smorest decorator gave its wrapper:
    those wrappers only call through, and one per documented answer was a cost on every request."""
    view._apidoc = documented._apidoc
    return view


COMMAND_ERRORS = (400, 401, 403, 404, 409, 412, 422, 503)
IF_MATCH = {"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
            "description": 'the version the write expects, as its ETag ("3" or W/"3"); 412 when it is not current'}
IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
    "description": "a retry with the same key answers as the first request did and adds no event; "
                   "422 when the key was used for a different request"}


def request_headers(blueprint: Blueprint, *parameters: dict[str, Any]) -> Callable[[Any], Any]:
    """Documents the request headers a view reads (a command: Idempotency-Key, and If-Match)."""
    return lambda view: _docs_only(view, blueprint.doc(parameters=list(parameters))(view))


def command_on_an_entity(blueprint: Blueprint) -> Callable[[Any], Any]:
    """Documents a command on an existing entity: every problem it may answer, and the
    If-Match and Idempotency-Key headers it reads."""

    def decorate(view: Any) -> Any:
        return errors(blueprint, *COMMAND_ERRORS)(request_headers(blueprint, IF_MATCH, IDEMPOTENCY_KEY)(view))

    return decorate


def json_response(body: Any, status: int = 200, version: int | None = None) -> Response:
    """The body as JSON (orjson: the views are plain data, money already decimal text)."""
    response = Response(orjson.dumps(body, default=_as_text), status, mimetype="application/json")
    return etag(response, version) if version is not None else response


def _as_text(value: Any) -> str:
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def no_content(result: CommandResult) -> Response:
    """A 204 still names, in its ETag, the version the command left the entity at."""
    return etag(Response(status=204), result.version)


Render = Callable[[CommandResult], Response]


def with_location(render: Render, location: str) -> Render:
    """Adds the Location of what the command created to its answer, which an idempotent retry replays."""

    def located(result: CommandResult) -> Response:
        response = render(result)
        response.headers["Location"] = location
        return response

    return located


def product_state(product: Product) -> dict[str, Any]:
    """A product as it stood at some version, rebuilt from its events."""
    return {"id": product.id, "sku": product.sku, "name": product.name, "description": product.description,
            "brand": product.brand, "attributes": dict(product.attributes),
            "categoryIds": sorted(product.category_ids), "status": product.status,
            "version": product.version, "deleted": product.deleted}


def discount_view(discount: Discount) -> dict[str, Any]:
    return {"id": discount.discount_id, "kind": discount.kind, "value": str(discount.value),
            "currency": discount.currency,
            "validFrom": format_timestamp(discount.valid_from) if discount.valid_from else None,
            "validUntil": format_timestamp(discount.valid_until) if discount.valid_until else None}


def pricing_view(pricing: Pricing, product_id: str, now: Any) -> dict[str, Any]:
    prices = []
    for currency in pricing.currencies():
        quote = pricing.quote(currency, now)
        scheduled = [{"amount": str(amount), "effectiveFrom": format_timestamp(moment)}
                     for moment, _, amount in pricing.timeline[currency] if moment > now]
        prices.append({"currency": currency, "amount": str(quote.base) if quote else None,
                       "effectiveAmount": str(quote.effective) if quote else None,
                       "discountId": quote.discount.discount_id if quote and quote.discount else None,
                       "scheduled": scheduled})
    return {"productId": product_id, "version": pricing.version, "prices": prices,
            "discounts": [discount_view(d) for d in pricing.discounts.values()]}


def quote_view(product_id: str, quote: PriceQuote, at: Any, as_of: Any, version: int) -> dict[str, Any]:
    return {"productId": product_id, "currency": quote.currency, "at": format_timestamp(at),
            "asOf": format_timestamp(as_of) if as_of else None, "base": str(quote.base),
            "effective": str(quote.effective),
            "discount": discount_view(quote.discount) if quote.discount else None, "version": version}


def history_response(entity_id: str, events: list[StoredEvent]) -> Response:
    """The audit trail; its `version` (and ETag) is the entity's own: its stream's last event
    (a product's history lists its prices' events too)."""
    version = max(event.sequence_number for event in events if event.entity_id == entity_id)
    return json_response({"entityId": entity_id, "version": version,
                          "items": [event.envelope() for event in events]}, version=version)
