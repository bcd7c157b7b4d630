"""Query strings are parsed by the views' schemas; an empty one answers the schema's defaults."""

import flask
import pytest
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import UnprocessableEntity

from entrypoints.http.parsing import RequestParser


class Paging(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String()


class Searching(Schema):
    q = fields.String(required=True)


@pytest.fixture
def app() -> flask.Flask:
    return flask.Flask("parsing")


def test_an_empty_query_gets_the_defaults_each_time_in_a_dict_of_its_own(app):
    parser, schema = RequestParser(), Paging()
    with app.test_request_context("/items"):
        first = parser.parse(schema, location="query")
        first["limit"] = 99
        second = parser.parse(schema, location="query")

    assert second == {"limit": 20}


def test_a_query_with_values_is_loaded_and_validated_as_ever(app):
    parser, schema = RequestParser(), Paging()
    with app.test_request_context("/items"):
        parser.parse(schema, location="query")
    with app.test_request_context("/items?limit=5&cursor=abc"):
        assert parser.parse(schema, location="query") == {"limit": 5, "cursor": "abc"}
    with app.test_request_context("/items?limit=500"), pytest.raises(UnprocessableEntity):
        parser.parse(schema, location="query")


def test_an_empty_query_missing_a_required_field_is_refused_every_time(app):
    parser, schema = RequestParser(), Searching()
    for _ in range(2):
        with app.test_request_context("/search"), pytest.raises(UnprocessableEntity):
            parser.parse(schema, location="query")
