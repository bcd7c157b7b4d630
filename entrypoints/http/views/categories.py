"""/api/v1/categories: the category tree."""

import uuid
from typing import Any

from dependency_injector.wiring import Provide, inject
from flask import Response

from application.errors import MissingReference
from application.ports import EventStore
from application.read_models import ReadModels
from application.temporal import TemporalQueries
from domain import commands
from domain.category import Category
from entrypoints.containers import Container
from entrypoints.http.auth import CATALOG, DELETE, READ, requires
from entrypoints.http.commanding import CommandRunner, expected_version
from entrypoints.http.freshness import view_at_least
from entrypoints.http.parsing import Blueprint
from entrypoints.http.problems import Problem
from entrypoints.http.rendering import (
    IDEMPOTENCY_KEY,
    command_on_an_entity,
    errors,
    history_response,
    json_response,
    no_content,
    request_headers,
    with_location,
)
from entrypoints.http.schemas.categories import (
    CategoryCreateSchema,
    CategoryMoveSchema,
    CategoryPatchSchema,
    CategorySchema,
    CategoryTreeSchema,
)
from entrypoints.http.schemas.common import HistorySchema, ReadYourWritesSchema

blp = Blueprint("categories", __name__, url_prefix="/api/v1/categories", description="Categories")


@inject
def _category_view(category_id: str, status: int = 200, min_version: int | None = None, wait_ms: int = 0,
                   read_models: ReadModels = Provide[Container.read_models],
                   store: EventStore = Provide[Container.event_store]) -> Response:
    view = view_at_least(lambda: read_models.category(category_id), store, "category", category_id, min_version,
                         wait_ms)
    return json_response(view, status, view["version"])


def _rendered(status: int = 200) -> Any:
    return lambda result: _category_view(result.entity_id, status)


def _unknown_parent(missing: MissingReference) -> Problem:
    return Problem(422, "Unknown reference", str(missing), errors={"parentId": [str(missing)]})


@blp.route("", methods=["POST"])
@blp.arguments(CategoryCreateSchema)
@blp.response(201, CategorySchema)
@errors(blp, 400, 401, 403, 409, 422, 503)
@request_headers(blp, IDEMPOTENCY_KEY)
@requires(CATALOG)
@inject
def create_category(body: dict[str, Any], runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """The slug defaults to one made from the name; slugs are unique."""
    category_id = str(body["id"] or runner.new_id("category"))
    parent = str(body["parentId"]) if body["parentId"] else None
    command = commands.CreateCategory(category_id, body["name"], body["slug"], parent, body["description"])
    try:
        return runner.run(command, with_location(_rendered(201), f"/api/v1/categories/{category_id}"))
    except MissingReference as missing:
        raise _unknown_parent(missing) from None


@blp.route("", methods=["GET"])
@blp.response(200, CategoryTreeSchema)
@errors(blp, 401, 403, 503)
@requires(READ)
@inject
def category_tree(read_models: ReadModels = Provide[Container.read_models]) -> Response:
    return json_response({"items": read_models.category_tree()})


@blp.route("/<uuid:category_id>", methods=["GET"])
@blp.arguments(ReadYourWritesSchema, location="query")
@blp.response(200, CategorySchema)
@errors(blp, 401, 403, 404, 422, 503)
@requires(READ)
def get_category(query: dict[str, Any], category_id: uuid.UUID) -> Response:
    return _category_view(str(category_id), min_version=query.get("minVersion"), wait_ms=query["maxWaitMs"])


@blp.route("/<uuid:category_id>", methods=["PATCH"])
@blp.arguments(CategoryPatchSchema)
@blp.response(200, CategorySchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def patch_category(body: dict[str, Any], category_id: uuid.UUID,
                   runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    command = commands.ReviseCategory(str(category_id), body.get("name"), body.get("slug"),
                                      body.get("description"), expected_version())
    return runner.run(command, _rendered())


@blp.route("/<uuid:category_id>/move", methods=["POST"])
@blp.arguments(CategoryMoveSchema)
@blp.response(200, CategorySchema)
@command_on_an_entity(blp)
@requires(CATALOG)
@inject
def move_category(body: dict[str, Any], category_id: uuid.UUID,
                  runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """A move that would make the category its own ancestor is refused (409)."""
    parent = str(body["parentId"]) if body["parentId"] else None
    try:
        return runner.run(commands.MoveCategory(str(category_id), parent, expected_version()), _rendered())
    except MissingReference as missing:
        raise _unknown_parent(missing) from None


@blp.route("/<uuid:category_id>", methods=["DELETE"])
@blp.response(204)
@command_on_an_entity(blp)
@requires(DELETE)
@inject
def delete_category(category_id: uuid.UUID, runner: CommandRunner = Provide[Container.command_runner]) -> Response:
    """Refused (409) while the category has child categories or products."""
    return runner.run(commands.DeleteCategory(str(category_id), expected_version()), no_content)


@blp.route("/<uuid:category_id>/history", methods=["GET"])
@blp.response(200, HistorySchema)
@errors(blp, 401, 403, 404, 503)
@requires(READ)
@inject
def category_history(category_id: uuid.UUID, temporal: TemporalQueries = Provide[Container.temporal]) -> Response:
    return history_response(str(category_id), temporal.history(str(category_id), Category))
