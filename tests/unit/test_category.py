"""Category: slugs, renaming, moving inside the tree without cycles, deletion."""

import pytest

from domain.category import Category, category_key
from domain.errors import EntityDeleted, InvalidValue, RuleViolation
from domain.events import (
    CategoryCreated,
    CategoryDeleted,
    CategoryDescriptionUpdated,
    CategoryMoved,
    CategoryRenamed,
)
from tests.unit.given import CATEGORY_ID, OTHER_CATEGORY_ID, THIRD_CATEGORY_ID, category_created, given

DELETED = (category_created(), CategoryDeleted())


def category_after(*events) -> Category:
    return given(Category, CATEGORY_ID, *events)


# creation


def test_creation_derives_the_slug_from_the_name():
    category = category_after()

    category.create("  Running Shoes & Boots ")

    assert category.collect_events() == [CategoryCreated(
        name="Running Shoes & Boots", slug="running-shoes-boots", parentId=None, description="")]


def test_creation_derives_an_ascii_slug_from_an_accented_name():
    category = category_after()

    category.create("Crème brûlée")

    assert category.collect_events() == [CategoryCreated(
        name="Crème brûlée", slug="creme-brulee", parentId=None, description="")]


def test_a_name_without_latin_letters_needs_an_explicit_slug():
    with pytest.raises(InvalidValue) as refused:
        category_after().create("Обувь")
    assert refused.value.field == "slug"

    category = category_after()
    category.create("Обувь", slug="obuv")
    assert (category.name, category.slug) == ("Обувь", "obuv")


def test_creation_takes_an_explicit_slug_and_a_parent_in_canonical_form():
    category = category_after()

    category.create("Trail", slug="trail-running", parent_id=OTHER_CATEGORY_ID.upper(), description="Off road")

    assert category.collect_events() == [CategoryCreated(
        name="Trail", slug="trail-running", parentId=OTHER_CATEGORY_ID, description="Off road")]
    assert category.referenced_keys() == {category_key(OTHER_CATEGORY_ID)}


@pytest.mark.parametrize(("name", "slug", "field"), [
    ("", None, "name"), ("x" * 201, None, "name"), ("Shoes", "Shoes", "slug"), ("Shoes", "running--shoes", "slug"),
    ("!!!", None, "slug"),
])
def test_creation_is_refused_with_a_bad_name_or_slug(name, slug, field):
    with pytest.raises(InvalidValue) as refused:
        category_after().create(name, slug=slug)
    assert refused.value.field == field


def test_a_category_cannot_be_created_as_its_own_parent():
    with pytest.raises(RuleViolation, match="own parent"):
        category_after().create("Shoes", parent_id=CATEGORY_ID)


def test_a_category_cannot_be_created_twice():
    with pytest.raises(RuleViolation, match="already exists"):
        category_after(category_created()).create("Boots")


# renaming and description


def test_renaming_keeps_the_slug_unless_a_new_one_is_given():
    category = category_after(category_created(name="Shoes", slug="shoes"))

    category.rename("Footwear")
    category.rename("Footwear", slug="footwear")

    assert category.collect_events() == [CategoryRenamed(name="Footwear", slug="shoes"),
                                         CategoryRenamed(name="Footwear", slug="footwear")]
    assert category.unique_keys() == {"slug:footwear", category_key(CATEGORY_ID)}


@pytest.mark.parametrize("slug", [None, "shoes"])
def test_renaming_to_the_same_name_and_slug_records_nothing(slug):
    category = category_after(category_created(name="Shoes", slug="shoes"))

    category.rename(" Shoes ", slug=slug)

    assert category.collect_events() == []


def test_renaming_refuses_a_malformed_slug():
    with pytest.raises(InvalidValue, match="slug"):
        category_after(category_created()).rename("Shoes", slug="Shoes Shop")


def test_description_update_records_the_new_text_and_nothing_when_unchanged():
    category = category_after(category_created(description="Old"))

    category.update_description("New")
    category.update_description("New")

    assert category.collect_events() == [CategoryDescriptionUpdated(description="New")]


# moving


def test_moving_records_the_new_and_the_previous_parent():
    category = category_after(category_created(parentId=OTHER_CATEGORY_ID))

    category.move(THIRD_CATEGORY_ID, ancestors_of_parent=[THIRD_CATEGORY_ID])
    category.move(None)

    assert category.collect_events() == [
        CategoryMoved(parentId=THIRD_CATEGORY_ID, previousParentId=OTHER_CATEGORY_ID),
        CategoryMoved(parentId=None, previousParentId=THIRD_CATEGORY_ID)]
    assert category.referenced_keys() == set()


def test_moving_under_the_current_parent_records_nothing():
    category = category_after(category_created(parentId=OTHER_CATEGORY_ID))

    category.move(OTHER_CATEGORY_ID.upper(), ancestors_of_parent=[OTHER_CATEGORY_ID])

    assert category.collect_events() == []


def test_a_category_cannot_be_moved_under_itself():
    with pytest.raises(RuleViolation, match="cycle"):
        category_after(category_created()).move(CATEGORY_ID, ancestors_of_parent=[CATEGORY_ID])


def test_a_category_cannot_be_moved_under_one_of_its_descendants():
    # THIRD is a grandchild: THIRD → OTHER → CATEGORY
    category = category_after(category_created())

    with pytest.raises(RuleViolation, match="cycle"):
        category.move(THIRD_CATEGORY_ID, ancestors_of_parent=[THIRD_CATEGORY_ID, OTHER_CATEGORY_ID, CATEGORY_ID])
    assert category.parent_id is None


# deletion


def test_deleting_an_empty_category_records_category_deleted_and_releases_its_keys():
    category = category_after(category_created(parentId=OTHER_CATEGORY_ID))

    category.delete(child_count=0, product_count=0)

    assert category.collect_events() == [CategoryDeleted()]
    assert (category.unique_keys(), category.referenced_keys()) == (set(), set())


@pytest.mark.parametrize(("children", "products", "reason"), [(1, 0, "child categories"), (0, 2, "products")])
def test_deleting_is_refused_while_the_category_has_children_or_products(children, products, reason):
    category = category_after(category_created())

    with pytest.raises(RuleViolation, match=reason):
        category.delete(child_count=children, product_count=products)
    assert not category.deleted


@pytest.mark.parametrize("command", [
    lambda category: category.rename("Boots"),
    lambda category: category.update_description("Text"),
    lambda category: category.move(None),
    lambda category: category.delete(0, 0),
], ids=["rename", "describe", "move", "delete"])
def test_a_deleted_category_accepts_nothing(command):
    category = category_after(*DELETED)

    with pytest.raises(EntityDeleted):
        command(category)
    assert category.collect_events() == []


def test_a_category_that_never_existed_cannot_be_renamed():
    with pytest.raises(RuleViolation, match="does not exist"):
        category_after().rename("Boots")


def test_snapshot_round_trip_gives_back_the_same_category():
    category = category_after(category_created(), CategoryRenamed(name="Boots", slug="boots"),
                              CategoryMoved(parentId=OTHER_CATEGORY_ID, previousParentId=None),
                              CategoryDescriptionUpdated(description="Warm"))

    restored = Category.from_snapshot(CATEGORY_ID, category.version, category.snapshot_state())

    assert vars(restored) == vars(category)
    assert (restored.version, restored.slug, restored.parent_id) == (4, "boots", OTHER_CATEGORY_ID)
