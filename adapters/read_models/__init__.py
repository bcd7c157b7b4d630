"""The read models in SQL (SQLAlchemy Core): the catalog, category tree and price history views."""

from adapters.read_models.engine import create_read_model_engine
from adapters.read_models.sql_read_models import SqlReadModels, SqlReadModelsRebuild

__all__ = ["SqlReadModels", "SqlReadModelsRebuild", "create_read_model_engine"]
