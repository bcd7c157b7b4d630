"""Every command's handler, and the stream it appends to, by command type."""

from collections.abc import Callable
from typing import Any

from application.handlers import categories, pricing, products
from application.unit_of_work import UnitOfWork
from domain import commands
from domain.aggregate import Aggregate
from domain.pricing import pricing_id

Handler = Callable[[Any, UnitOfWork], Aggregate]

HANDLERS: dict[type[commands.Command], Handler] = {
    commands.CreateProduct: products.create_product,
    commands.ImportProduct: products.import_product,
    commands.UpdateProduct: products.update_product,
    commands.UpdateProductDetails: products.update_details,
    commands.ChangeProductAttributes: products.change_attributes,
    commands.AddProductToCategory: products.add_to_category,
    commands.RemoveProductFromCategory: products.remove_from_category,
    commands.ActivateProduct: products.activate,
    commands.DeactivateProduct: products.deactivate,
    commands.DiscontinueProduct: products.discontinue,
    commands.DeleteProduct: products.delete,
    commands.CreateCategory: categories.create_category,
    commands.ReviseCategory: categories.revise,
    commands.RenameCategory: categories.rename,
    commands.UpdateCategoryDescription: categories.update_description,
    commands.MoveCategory: categories.move,
    commands.DeleteCategory: categories.delete,
    commands.SetPrice: pricing.set_price,
    commands.AddDiscount: pricing.add_discount,
    commands.RemoveDiscount: pricing.remove_discount,
}


def _product(command: Any) -> str:
    return str(command.product_id)


def _category(command: Any) -> str:
    return str(command.category_id)


def _prices(command: Any) -> str:
    return pricing_id(command.product_id)


STREAMS: dict[type[commands.Command], Callable[[Any], str]] = {
    commands.CreateProduct: _product,
    commands.ImportProduct: _product,
    commands.UpdateProduct: _product,
    commands.UpdateProductDetails: _product,
    commands.ChangeProductAttributes: _product,
    commands.AddProductToCategory: _product,
    commands.RemoveProductFromCategory: _product,
    commands.ActivateProduct: _product,
    commands.DeactivateProduct: _product,
    commands.DiscontinueProduct: _product,
    commands.DeleteProduct: _product,
    commands.CreateCategory: _category,
    commands.ReviseCategory: _category,
    commands.RenameCategory: _category,
    commands.UpdateCategoryDescription: _category,
    commands.MoveCategory: _category,
    commands.DeleteCategory: _category,
    commands.SetPrice: _prices,
    commands.AddDiscount: _prices,
    commands.RemoveDiscount: _prices,
}


def stream_of(command: commands.Command) -> str:
    """The id of the stream the command appends to (its entity's)."""
    return STREAMS[type(command)](command)
