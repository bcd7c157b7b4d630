"""Request bodies: JSON objects, read by the same codec (orjson) that the stores write with."""

from decimal import Decimal
from typing import Any

import flask
import flask_smorest
import marshmallow as ma
import orjson
from webargs.flaskparser import FlaskParser, is_json_request

from entrypoints.http.bodies import MAX_BODY_BYTES
from entrypoints.http.problems import PROBLEM, Problem
from entrypoints.http.schemas.common import ProblemSchema

TOO_LARGE = f"the body is over {MAX_BODY_BYTES} bytes"


class RequestParser(FlaskParser):
    """A body the stores could not keep (a lone surrogate, NaN, nesting beyond 1024 levels) is
    malformed (400) here rather than a 500 later; so is JSON that is not an object.

    Every JSON body this API takes is required (the OpenAPI document says so): a missing or blank
    body, one sent as another media type, or bytes that are not UTF-8 are malformed too, rather
    than an empty object (webargs reads an undecodable body as no body at all)."""

    IMMUTABLE = (str, int, float, bool, type(None), Decimal, tuple, frozenset)

    def __init__(self) -> None:
        super().__init__()
        self._empty_query: dict[ma.Schema, dict[str, Any]] = {}  # a query schema -> what it loads from ""

    def parse(self, argmap: Any, req: Any = None, *, location: str | None = None, **kwargs: Any) -> Any:
        """A request without a query string loads, for a query schema, what it loaded the first
        time: its defaults (the most common GET, answered without loading the schema again)."""
        if location != "query" or not isinstance(argmap, ma.Schema) or kwargs.get("validate") is not None \
                or (req or flask.request).query_string:
            return super().parse(argmap, req, location=location, **kwargs)
        loaded = self._empty_query.get(argmap)
        if loaded is None:
            loaded = super().parse(argmap, req, location=location, **kwargs)
            if not isinstance(loaded, dict) or not all(isinstance(v, self.IMMUTABLE) for v in loaded.values()):
                return loaded
            self._empty_query[argmap] = loaded
        return dict(loaded)

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            raise Problem(400, "Malformed request", "send the body as a JSON object, Content-Type: application/json")
        body = req.get_data(cache=True)
        if len(body) >= MAX_BODY_BYTES:
            req.stream.read(1)  # a chunked body is cut at the limit: reading past it raises the 413
        if not body.strip():
            raise Problem(400, "Malformed request", "the body must be a JSON object")
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise Problem(400, "Malformed request", f"the body is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise Problem(400, "Malformed request", "the body must be a JSON object")
        return data


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = RequestParser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """One schema instance per view, made here: given a class, webargs would build a new
        instance on every request (schemas keep no state between loads). A view that reads a
        JSON body documents the 413 a body over the limit gets (see `bodies`)."""
        parse = super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)
        if kwargs.get("location", "json") != "json":
            return parse
        too_large = self.alt_response(413, schema=ProblemSchema, description=TOO_LARGE, content_type=PROBLEM)

        def decorate(view: Any) -> Any:
            parsing = parse(view)
            parsing._apidoc = too_large(parsing)._apidoc  # the documentation only: no wrapper more to call
            return parsing

        return decorate

    @staticmethod
    def _prepare_response_doc(doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Documents no `default` response: flask-smorest's is its own application/json `Error`,
        which this API never sends. Each view lists the problem+json answers it gives instead."""
        doc = flask_smorest.Blueprint._prepare_response_doc(doc, doc_info, **kwargs)
        doc.get("responses", {}).pop("default", None)
        return doc
