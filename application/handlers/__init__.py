"""Every command's handler, by command type."""

from collections.abc import Callable
from typing import Any

from application.handlers import categories, pricing, products
from application.unit_of_work import UnitOfWork
from domain import commands
from domain.aggregate import Aggregate

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
