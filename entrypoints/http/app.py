"""The Flask application factory."""

import time

from flask import Flask, Response, g, request
from flask_smorest import Api
from prometheus_client import CollectorRegistry, Counter, Histogram

from entrypoints.containers import Container
from entrypoints.http import problems
from entrypoints.http.auth import TokenVerifier, authenticate
from entrypoints.http.views import categories, operations, pricing, products

OPEN_PATHS = {"/api/v1/health"}
VIEW_MODULES = [products, categories, pricing, operations]


def create_app(container: Container) -> Flask:
    app = Flask("product_service")
    app.config.update(
        API_TITLE="Product Service", API_VERSION="1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json", JSON_SORT_KEYS=False)
    api = Api(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for module in VIEW_MODULES:
        api.register_blueprint(module.blp)
    container.wire(modules=VIEW_MODULES)
    problems.register(app)
    _install_auth(app, TokenVerifier(container.config.jwt_secret(), container.config.jwt_public_key()))
    _install_metrics(app, container.metrics_registry())
    app.extensions["container"] = container
    return app


def _install_auth(app: Flask, verifier: TokenVerifier) -> None:
    @app.before_request
    def _authenticate() -> None:
        if request.path.startswith("/api/v1") and request.path not in OPEN_PATHS:
            authenticate(verifier)


def _install_metrics(app: Flask, registry: CollectorRegistry) -> None:
    requests = Counter("http_requests_total", "HTTP requests", ["method", "endpoint", "status"], registry=registry)
    latency = Histogram("http_request_duration_seconds", "HTTP request latency", ["method", "endpoint"],
                        registry=registry)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        requests.labels(request.method, endpoint, str(response.status_code)).inc()
        if "started" in g:
            latency.labels(request.method, endpoint).observe(time.perf_counter() - g.started)
        return response
