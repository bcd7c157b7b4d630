"""Handlers of the category commands."""

from application.errors import MissingReference
from application.unit_of_work import UnitOfWork
from domain import commands, values
from domain.category import Category, category_key

MAX_DEPTH = 100


def create_category(command: commands.CreateCategory, uow: UnitOfWork) -> Category:
    category = uow.new(Category, command.category_id)
    category.create(command.name, command.slug, command.parent_id, command.description)
    return category


def revise(command: commands.ReviseCategory, uow: UnitOfWork) -> Category:
    category = uow.get_existing(Category, command.category_id, command.expected_version)
    if command.name is not None or command.slug is not None:
        category.rename(command.name if command.name is not None else category.name, command.slug)
    if command.description is not None:
        category.update_description(command.description)
    return category


def rename(command: commands.RenameCategory, uow: UnitOfWork) -> Category:
    category = uow.get_existing(Category, command.category_id, command.expected_version)
    category.rename(command.name, command.slug)
    return category


def update_description(command: commands.UpdateCategoryDescription, uow: UnitOfWork) -> Category:
    category = uow.get_existing(Category, command.category_id, command.expected_version)
    category.update_description(command.description)
    return category


def move(command: commands.MoveCategory, uow: UnitOfWork) -> Category:
    category = uow.get_existing(Category, command.category_id, command.expected_version)
    parent_id = None if command.parent_id is None else values.entity_id(command.parent_id, "parentId")
    ancestors = _ancestors(uow, parent_id) if parent_id else []
    category.move(parent_id, ancestors)
    return category


def delete(command: commands.DeleteCategory, uow: UnitOfWork) -> Category:
    category = uow.get_existing(Category, command.category_id, command.expected_version)
    sources = uow.store.references_to(category_key(category.id))
    children = sum(1 for source in sources if source.startswith("category:"))
    category.delete(child_count=children, product_count=len(sources) - children)
    return category


def _ancestors(uow: UnitOfWork, parent_id: str) -> list[str]:
    """The chain from `parent_id` up to its root, parent first."""
    chain: list[str] = []
    current: str | None = parent_id
    while current is not None and len(chain) < MAX_DEPTH:
        _require_live(uow, current)
        chain.append(current)
        current = uow.read(Category, current).parent_id
    return chain


def _require_live(uow: UnitOfWork, category_id: str) -> None:
    if uow.store.owner_of(category_key(category_id)) is None:
        raise MissingReference(category_key(category_id))
