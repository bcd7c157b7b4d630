"""Finds or creates the categories an import names, each once, under deterministic ids."""

import uuid
from collections.abc import Iterable

from application.errors import AlreadyExists, UniquenessViolation
from application.messagebus import MessageBus
from application.unit_of_work import CommandContext
from domain import commands, values
from domain.errors import InvalidValue

CATEGORY_NAMESPACE = uuid.UUID("6a8e2f0c-3c1d-4d59-8f0e-b7d2a4c9e113")


def imported_category_id(slug: str) -> str:
    """The id an import gives the category with this slug, the same in every run."""
    return str(uuid.uuid5(CATEGORY_NAMESPACE, slug))


class CategoryResolver:
    """Category names to ids. A name whose slug some category already holds resolves to that
    category, whoever created it; otherwise the category is created as a root."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.created = 0
        self._ids: dict[str, str] = {}  # slug -> category id

    def ids_for(self, names: Iterable[str], context: CommandContext) -> tuple[str, ...]:
        """The ids of the named categories, creating those that do not exist yet."""
        ids = []
        for name in names:
            clean = values.name(name, "categories")
            slug = values.slugify(clean)
            if not slug:
                raise InvalidValue("categories", f"{clean!r} has no letters or digits to make a slug of")
            if slug not in self._ids:
                self._ids[slug] = self._find_or_create(clean, slug, context)
            ids.append(self._ids[slug])
        return tuple(ids)

    def _find_or_create(self, name: str, slug: str, context: CommandContext) -> str:
        category_id = imported_category_id(slug)
        try:
            self.bus.handle(commands.CreateCategory(category_id, name, slug), context)
        except AlreadyExists:
            return category_id
        except UniquenessViolation as taken:
            if taken.key != f"slug:{slug}" or taken.owner is None:
                raise
            return taken.owner
        self.created += 1
        return category_id
