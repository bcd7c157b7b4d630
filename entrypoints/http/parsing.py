"""Request bodies: JSON objects, read by the same codec (orjson) that the stores write with."""

from typing import Any

import flask
import flask_smorest
import orjson
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from entrypoints.http.problems import Problem


class RequestParser(FlaskParser):
    """A body the stores could not keep (a lone surrogate, NaN, nesting beyond 1024 levels) is
    malformed (400) here rather than a 500 later; so is JSON that is not an object."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        body = req.get_data(cache=True)
        if not body.strip():
            return core.missing
        data = orjson.loads(body)  # its JSONDecodeError is json's: webargs answers 400
        if not isinstance(data, dict):
            raise Problem(400, "Malformed request", "the body must be a JSON object")
        return data


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = RequestParser()
