"""The Flask application factory."""

from flask import Flask, request
from flask_smorest import Api

from entrypoints.containers import Container
from entrypoints.http import problems
from entrypoints.http.auth import TokenVerifier, authenticate
from entrypoints.http.bodies import install_body_limits
from entrypoints.http.observability import install_observability
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
    install_observability(app, container.metrics_registry())
    install_body_limits(app)
    container.command_metrics()  # built before the first request: /metrics lists its families from the start
    _install_auth(app, TokenVerifier(container.config.jwt_secret(), container.config.jwt_public_key()))
    app.extensions["container"] = container
    return app


def _install_auth(app: Flask, verifier: TokenVerifier) -> None:
    @app.before_request
    def _authenticate() -> None:
        if request.path.startswith("/api/v1") and request.path not in OPEN_PATHS:
            authenticate(verifier)

