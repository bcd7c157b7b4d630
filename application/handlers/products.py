"""Handlers of the product commands: load, ask the aggregate, hand back what changed.

References to categories are checked by the event store in the commit itself.
"""

from application.unit_of_work import UnitOfWork
from domain import commands
from domain.errors import RuleViolation
from domain.pricing import Pricing, pricing_id
from domain.product import ACTIVE, Product
from domain.values import Money


def create_product(command: commands.CreateProduct, uow: UnitOfWork) -> Product:
    product = uow.new(Product, command.product_id)
    product.create(command.sku, command.name, command.description, command.brand,
                   command.attributes, command.category_ids)
    return product


def import_product(command: commands.ImportProduct, uow: UnitOfWork) -> Product:
    """Imports a legacy product and its prices in one atomic write."""
    product = uow.new(Product, command.product_id)
    product.import_legacy(command.sku, command.name, command.description, command.brand,
                          command.attributes, command.category_ids, command.status,
                          command.source, command.legacy_id)
    if command.status == ACTIVE and not command.prices:
        raise RuleViolation("an active product needs a price")
    if command.prices:
        pricing = uow.new(Pricing, pricing_id(product.id))
        for amount, currency in command.prices:
            pricing.set_price(product.id, Money.of(amount, currency), uow.now)
    return product


def update_details(command: commands.UpdateProductDetails, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.update_details(command.name, command.description, command.brand)
    return product


def update_product(command: commands.UpdateProduct, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.update_details(command.name, command.description, command.brand)
    product.change_attributes(command.set_attributes, command.remove_attributes)
    return product


def change_attributes(command: commands.ChangeProductAttributes, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.change_attributes(command.set, command.remove)
    return product


def add_to_category(command: commands.AddProductToCategory, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.add_to_category(command.category_id)
    return product


def remove_from_category(command: commands.RemoveProductFromCategory, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.remove_from_category(command.category_id)
    return product


def activate(command: commands.ActivateProduct, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    pricing = uow.read(Pricing, pricing_id(product.id))
    product.activate(has_current_price=pricing.has_current_price(uow.now))
    return product


def deactivate(command: commands.DeactivateProduct, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.deactivate()
    return product


def discontinue(command: commands.DiscontinueProduct, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.discontinue()
    return product


def delete(command: commands.DeleteProduct, uow: UnitOfWork) -> Product:
    product = uow.get_existing(Product, command.product_id, command.expected_version)
    product.delete()
    return product
