import pytest

from tests.unit.catalog import BOOT, SHOES, Catalog


@pytest.fixture
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture
def boot(catalog: Catalog) -> Catalog:
    """A catalog holding the Shoes category and the Boot product (a draft at version 1) in it."""
    catalog.handle(SHOES, BOOT)
    return catalog
