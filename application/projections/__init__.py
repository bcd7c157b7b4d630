"""Projections: the read models' views as pure functions of events, and the runner that feeds them.

Each projection turns one event into row changes on its own tables (see `changes`); the
storage adapter applies them with the projection's checkpoint in one transaction.
"""

from application.projections.catalog import CATALOG
from application.projections.categories import CATEGORY_TREE
from application.projections.changes import Change, Delete, Projection, ProjectionGap, Row, Update, Upsert
from application.projections.price_history import PRICE_HISTORY
from application.projections.projector import Projector

PROJECTIONS: tuple[Projection, ...] = (CATALOG, CATEGORY_TREE, PRICE_HISTORY)
# a rebuild's shares for helpers in parallel, as near equal in cost as three projections split:
# each replayed alone, the catalog took 14.5 µs an event, the other two together 9.3 (all three
# at once 20.6); the catalog's share sets the pace
REBUILD_SHARES: tuple[tuple[str, ...], ...] = ((CATALOG.name,), (CATEGORY_TREE.name, PRICE_HISTORY.name))

__all__ = ["CATALOG", "CATEGORY_TREE", "PRICE_HISTORY", "PROJECTIONS", "REBUILD_SHARES", "Change", "Delete",
           "Projection", "ProjectionGap", "Projector", "Row", "Update", "Upsert"]
