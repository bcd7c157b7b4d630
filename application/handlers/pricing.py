"""Handlers of the pricing commands. Prices belong to a product that exists and is open."""

from application.errors import NotFound
from application.unit_of_work import UnitOfWork
from domain import commands, values
from domain.errors import EntityDeleted, RuleViolation
from domain.pricing import Pricing, pricing_id
from domain.product import DISCONTINUED, Product
from domain.values import Money


def set_price(command: commands.SetPrice, uow: UnitOfWork) -> Pricing:
    product_id, pricing = _pricing_of_open_product(uow, command.product_id, command.expected_version)
    price = Money.of(command.amount, command.currency)
    pricing.set_price(product_id, price, uow.now, command.effective_from)
    return pricing


def add_discount(command: commands.AddDiscount, uow: UnitOfWork) -> Pricing:
    product_id, pricing = _pricing_of_open_product(uow, command.product_id, command.expected_version)
    pricing.add_discount(product_id, command.discount_id, command.kind, command.value,
                         command.currency, command.valid_from, command.valid_until, uow.now)
    return pricing


def remove_discount(command: commands.RemoveDiscount, uow: UnitOfWork) -> Pricing:
    product_id, pricing = _pricing_of_open_product(uow, command.product_id, command.expected_version)
    pricing.remove_discount(product_id, command.discount_id, uow.now)
    return pricing


def _pricing_of_open_product(uow: UnitOfWork, product_id: str,
                             expected_version: int | None) -> tuple[str, Pricing]:
    product = uow.read(Product, values.entity_id(product_id, "productId"))
    if not product.exists:
        raise NotFound(f"product {product_id} does not exist")
    if product.deleted:
        raise EntityDeleted(f"product {product_id} was deleted")
    if product.status == DISCONTINUED:
        raise RuleViolation("a discontinued product's prices cannot change")
    return product.id, uow.get(Pricing, pricing_id(product.id), expected_version)
