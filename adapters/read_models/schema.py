"""The read models' tables: one set per generation (``rm<N>_products``, ...) and the pointer
table ``rm_live`` that names the generation every query reads.

Timestamps shown to users are ISO 8601 text; moments the database compares (price
effective-from, discount windows) are epoch milliseconds; money is decimal text.
"""

from dataclasses import dataclass

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from application.projections import PROJECTIONS

ID, MOMENT, MONEY = String(36), String(24), String(40)
CHECKPOINTS = "checkpoints"


def pointer_table(schema: str | None) -> Table:
    """One row (id 1) holding the number of the live generation."""
    return Table("rm_live", MetaData(schema=schema),
                 Column("id", Integer, primary_key=True, autoincrement=False),
                 Column("generation", Integer, nullable=False))


@dataclass(frozen=True)
class Generation:
    """One complete set of the views' tables, by the projections' names for them."""

    number: int
    metadata: MetaData
    tables: dict[str, Table]

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]


def generation(number: int, schema: str | None) -> Generation:
    metadata = MetaData(schema=schema)

    def table(name: str, *columns: Column[object] | Index) -> Table:
        return Table(f"rm{number}_{name}", metadata, *columns)

    tables = [
        table("products",
              Column("id", ID, primary_key=True), Column("sku", String(64), nullable=False, index=True),
              Column("name", Text, nullable=False), Column("name_folded", Text, nullable=False),
              Column("description", Text, nullable=False), Column("description_folded", Text, nullable=False),
              Column("brand", Text, nullable=False), Column("brand_folded", Text, nullable=False),
              Column("status", String(20), nullable=False, index=True), Column("version", Integer, nullable=False),
              Column("created_at", MOMENT, nullable=False), Column("updated_at", MOMENT, nullable=False),
              Index(f"ix_rm{number}_products_name_id", "name", "id")),
        table("product_attributes",
              Column("product_id", ID, primary_key=True), Column("key", String(100), primary_key=True),
              Column("value", JSON, nullable=False)),
        table("product_categories",
              Column("product_id", ID, primary_key=True), Column("category_id", ID, primary_key=True, index=True)),
        table("product_prices",
              Column("product_id", ID, primary_key=True), Column("currency", String(3), primary_key=True),
              Column("effective_from", BigInteger, primary_key=True, autoincrement=False),
              Column("sequence", Integer, primary_key=True, autoincrement=False),
              Column("amount", MONEY, nullable=False)),
        table("product_discounts",
              Column("product_id", ID, primary_key=True), Column("discount_id", Text, primary_key=True),
              Column("kind", String(20), nullable=False), Column("value", MONEY, nullable=False),
              Column("currency", String(3)), Column("valid_from", BigInteger), Column("valid_until", BigInteger)),
        table("categories",
              Column("id", ID, primary_key=True), Column("name", Text, nullable=False),
              Column("slug", Text, nullable=False), Column("parent_id", ID, index=True),
              Column("description", Text, nullable=False), Column("version", Integer, nullable=False),
              Column("created_at", MOMENT, nullable=False), Column("updated_at", MOMENT, nullable=False)),
        table("category_products",
              Column("category_id", ID, primary_key=True), Column("product_id", ID, primary_key=True, index=True)),
        table("price_history",
              Column("product_id", ID, primary_key=True),
              Column("sequence", Integer, primary_key=True, autoincrement=False),
              Column("event_id", ID, nullable=False), Column("event_type", String(40), nullable=False),
              Column("timestamp", MOMENT, nullable=False), Column("user_id", Text, nullable=False),
              Column("data", JSON, nullable=False)),
        table(CHECKPOINTS,
              Column("projection", String(40), primary_key=True),
              Column("shard", Integer, primary_key=True, autoincrement=False),
              Column("position", BigInteger, nullable=False)),
    ]
    by_name = {t.name.removeprefix(f"rm{number}_"): t for t in tables}
    missing = {name for projection in PROJECTIONS for name in projection.tables} - set(by_name)
    if missing:
        raise AssertionError(f"the projections write tables the schema lacks: {sorted(missing)}")
    return Generation(number, metadata, by_name)
