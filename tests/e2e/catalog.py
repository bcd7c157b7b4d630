"""Building catalog data over HTTP, the way a client would, for the end-to-end tests."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tests.e2e.server import Client, ok, unique


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def create_category(client: Client, name: str = "Shoes", parent: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": unique(name), "parentId": parent}
    return ok(client.post("/categories", body), 201)


def create_product(client: Client, name: str = "Boot", categories: Iterable[str] = (),
                   price: str | None = None, currency: str = "EUR", **fields: Any) -> dict[str, Any]:
    body = {"sku": unique("SKU"), "name": name, "categoryIds": list(categories), **fields}
    product = ok(client.post("/products", body), 201)
    if price is not None:
        ok(client.put(f"/products/{product['id']}/price", {"amount": price, "currency": currency}))
    return product


def list_all(client: Client, query: str, limit: int = 2) -> list[dict[str, Any]]:
    """Every product the listing gives for the query, following the cursor page by page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10_000):
        page = ok(client.get(f"/products?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else "")))
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["nextCursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ran out")


def find_in_tree(nodes: list[dict[str, Any]], category_id: str) -> dict[str, Any] | None:
    for node in nodes:
        if node["id"] == category_id:
            return node
        if (found := find_in_tree(node["children"], category_id)) is not None:
            return found
    return None


def node(nodes: list[dict[str, Any]], category_id: str) -> dict[str, Any]:
    found = find_in_tree(nodes, category_id)
    assert found is not None, f"category {category_id} is not in the tree"
    return found


def event_types(history: dict[str, Any]) -> list[str]:
    return [item["eventType"] for item in history["items"]]
