"""Every command that may arrive over AMQP: its payload schema and how it becomes a command.

The payload schemas are the HTTP API's request schemas, so that a command is held to the same
rules whichever way it comes; what HTTP takes from the path (the product's or category's id)
and from If-Match (`expectedVersion`) is part of the payload here. Ids a client may leave out
(a new product's, category's or discount's) are derived from the commandId, so that a retry of
the same command names the same entity.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate

from application.command_names import derived_id
from domain import commands
from entrypoints.http.schemas.categories import CategoryCreateSchema, CategoryMoveSchema, CategoryPatchSchema
from entrypoints.http.schemas.common import StrictSchema
from entrypoints.http.schemas.pricing import DiscountCreateSchema, SetPriceSchema
from entrypoints.http.schemas.products import ProductCreateSchema, ProductPatchSchema

Payload = dict[str, Any]


@dataclass(frozen=True)
class CommandType:
    """A payload schema and the command a valid payload makes."""

    schema: Schema
    build: Callable[[Payload, str], commands.Command]  # (loaded payload, commandId) -> command


class _Versioned(StrictSchema):
    expectedVersion = fields.Integer(load_default=None, validate=validate.Range(min=0),
                                     metadata={"description": "as If-Match: the command only applies at it"})


class _OfProduct(_Versioned):
    productId = fields.UUID(required=True)


class _OfCategory(_Versioned):
    categoryId = fields.UUID(required=True)


class _OfProductAndCategory(_OfProduct):
    categoryId = fields.UUID(required=True)


class _UpdateProduct(ProductPatchSchema, _OfProduct):
    pass


class _ReviseCategory(CategoryPatchSchema, _OfCategory):
    pass


class _MoveCategory(CategoryMoveSchema, _OfCategory):
    pass


class _SetPrice(SetPriceSchema, _OfProduct):
    pass


class _AddDiscount(DiscountCreateSchema, _OfProduct):
    pass


class _RemoveDiscount(_OfProduct):
    discountId = fields.String(required=True, validate=validate.Length(1, 64))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _create_product(p: Payload, command_id: str) -> commands.Command:
    return commands.CreateProduct(_text(p["id"]) or derived_id(command_id, "product"), p["sku"], p["name"],
                                  p["description"], p["brand"], p["attributes"],
                                  tuple(str(c) for c in p["categoryIds"]))


def _update_product(p: Payload, _: str) -> commands.Command:
    return commands.UpdateProduct(str(p["productId"]), p.get("name"), p.get("description"), p.get("brand"),
                                  p.get("attributes", {}), tuple(p.get("removeAttributes", ())),
                                  p["expectedVersion"])


def _lifecycle(command: type[commands.ActivateProduct] | type[commands.DeactivateProduct]
               | type[commands.DiscontinueProduct] | type[commands.DeleteProduct]) -> CommandType:
    return CommandType(_OfProduct(), lambda p, _: command(str(p["productId"]), p["expectedVersion"]))


def _membership(command: type[commands.AddProductToCategory]
                | type[commands.RemoveProductFromCategory]) -> CommandType:
    return CommandType(_OfProductAndCategory(), lambda p, _: command(
        str(p["productId"]), str(p["categoryId"]), p["expectedVersion"]))


def _create_category(p: Payload, command_id: str) -> commands.Command:
    return commands.CreateCategory(_text(p["id"]) or derived_id(command_id, "category"), p["name"], p["slug"],
                                   _text(p["parentId"]), p["description"])


def _revise_category(p: Payload, _: str) -> commands.Command:
    return commands.ReviseCategory(str(p["categoryId"]), p.get("name"), p.get("slug"), p.get("description"),
                                   p["expectedVersion"])


def _add_discount(p: Payload, command_id: str) -> commands.Command:
    return commands.AddDiscount(str(p["productId"]), p["id"] or derived_id(command_id, "discount"), p["kind"],
                                p["value"], p["currency"], p["validFrom"], p["validUntil"], p["expectedVersion"])


COMMAND_TYPES: dict[str, CommandType] = {
    "CreateProduct": CommandType(ProductCreateSchema(), _create_product),
    "UpdateProduct": CommandType(_UpdateProduct(), _update_product),
    "ActivateProduct": _lifecycle(commands.ActivateProduct),
    "DeactivateProduct": _lifecycle(commands.DeactivateProduct),
    "DiscontinueProduct": _lifecycle(commands.DiscontinueProduct),
    "DeleteProduct": _lifecycle(commands.DeleteProduct),
    "AddProductToCategory": _membership(commands.AddProductToCategory),
    "RemoveProductFromCategory": _membership(commands.RemoveProductFromCategory),
    "CreateCategory": CommandType(CategoryCreateSchema(), _create_category),
    "ReviseCategory": CommandType(_ReviseCategory(), _revise_category),
    "MoveCategory": CommandType(_MoveCategory(), lambda p, _: commands.MoveCategory(
        str(p["categoryId"]), _text(p["parentId"]), p["expectedVersion"])),
    "DeleteCategory": CommandType(_OfCategory(), lambda p, _: commands.DeleteCategory(
        str(p["categoryId"]), p["expectedVersion"])),
    "SetPrice": CommandType(_SetPrice(), lambda p, _: commands.SetPrice(
        str(p["productId"]), p["amount"], p["currency"], p["effectiveFrom"], p["expectedVersion"])),
    "AddDiscount": CommandType(_AddDiscount(), _add_discount),
    "RemoveDiscount": CommandType(_RemoveDiscount(), lambda p, _: commands.RemoveDiscount(
        str(p["productId"]), p["discountId"], p["expectedVersion"])),
}
