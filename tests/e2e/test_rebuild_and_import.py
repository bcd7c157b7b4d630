"""Operating the stores under a live server: rebuilding the read models by replay, verifying the store, and
importing a legacy catalog from CSV with the command line."""

import csv
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.catalog import create_category, create_product, iso, list_all
from tests.e2e.server import Client, cli, ok, running_server, server_environment, unique


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Client, dict[str, str]]]:
    data_dir = tmp_path_factory.mktemp("own-catalog")
    with running_server(data_dir) as base:
        yield Client(base, "operator", ("admin",)), server_environment(data_dir)


def build_catalog(admin: Client) -> tuple[list[str], list[str]]:
    shoes = create_category(admin, "Shoes")
    boots, socks = create_category(admin, "Boots", shoes["id"]), create_category(admin, "Socks")
    products = [create_product(admin, f"Item {index:02d}", [(boots, socks, shoes)[index % 3]["id"]],
                               price=f"{10 + index}.50", attributes={"size": index, "eco": index % 2 == 0})
                for index in range(30)]
    later = iso(datetime.now(UTC) + timedelta(days=90))
    for index, product in enumerate(products):
        path = f"/products/{product['id']}"
        if index % 2:
            ok(admin.post(f"{path}/activate"))
        if index % 4 == 1:
            ok(admin.post(f"{path}/discounts", {"kind": "percentage", "value": "15"}), 201)
        if index % 5 == 0:
            ok(admin.put(f"{path}/price", {"amount": "99.00", "currency": "EUR", "effectiveFrom": later}))
            ok(admin.put(f"{path}/price", {"amount": "12.00", "currency": "USD"}))
        if index % 7 == 0:
            ok(admin.patch(path, {"description": "Renamed", "removeAttributes": ["eco"]}))
    ok(admin.post(f"/products/{products[1]['id']}/discontinue"))
    assert admin.delete(f"/products/{products[3]['id']}").status_code == 204
    ok(admin.post(f"/categories/{socks['id']}/move", {"parentId": shoes["id"]}))
    return [product["id"] for product in products], [shoes["id"], boots["id"], socks["id"]]


def snapshot(admin: Client, product_ids: list[str], category_ids: list[str]) -> dict[str, Any]:
    """Every view the query API serves from the read models, pages and cursors included."""
    views: dict[str, Any] = {"tree": ok(admin.get("/categories"))}
    for query in ("q=item", "status=active", "status=draft", "q=item 1", "minPrice=20&maxPrice=30&currency=EUR",
                  "currency=USD", *(f"category={category_id}" for category_id in category_ids)):
        views[query] = [ok(admin.get(f"/products?{query}&limit=4"))] + list_all(admin, query, limit=7)
    for product_id in product_ids:
        views[product_id] = admin.get(f"/products/{product_id}").json()  # one of them was deleted: a 404
    for category_id in category_ids:
        views[category_id] = ok(admin.get(f"/categories/{category_id}"))
    return views


def test_the_read_models_are_rebuilt_by_replay_while_the_server_keeps_answering(own):
    admin, env = own
    product_ids, category_ids = build_catalog(admin)
    before = snapshot(admin, product_ids, category_ids)
    events = sum(len(ok(admin.get(f"/{kind}/{entity_id}/history"))["items"])  # a product's includes its prices
                 for kind, ids in (("products", product_ids), ("categories", category_ids)) for entity_id in ids)

    answers: list[int] = []
    stop = threading.Event()

    def keep_reading() -> None:
        reader = Client(admin.base, "reader", ("viewer",))
        while not stop.is_set():
            for path in ("/products?limit=10", f"/products/{product_ids[0]}", "/categories"):
                answers.append(reader.get(path).status_code)

    readers = [threading.Thread(target=keep_reading) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        rebuilt = cli("projections", "rebuild", env=env)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=30)

    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"read models rebuilt from {events} events" in rebuilt.stdout
    assert len(answers) >= 30 and set(answers) == {200}, answers
    assert snapshot(admin, product_ids, category_ids) == before
    verified = cli("verify", env=env)
    assert verified.returncode == 0 and "OK: every stream and the feed are complete" in verified.stdout, verified
    assert f"events: {events}" in verified.stdout
    renamed = ok(admin.patch(f"/products/{product_ids[0]}", {"name": "After the rebuild"}))  # still projected
    assert ok(admin.get(f"/products/{product_ids[0]}"))["name"] == renamed["name"] == "After the rebuild"


ROWS = 10_000
BAD_ROWS = {  # row index -> (the row, the reason reported on its line)
    100: (["L100", "bad sku!", "Broken", "Acme", "draft", "", "1.00", "EUR", "red"], "sku: 1-64 characters"),
    2500: (["L2500", "{token}-NONAME", "", "Acme", "draft", "", "", "", "red"], "name: must be 1-200 characters"),
    5000: (["L5000", "{token}-PRICE", "Cheap", "Acme", "draft", "", "abc", "EUR", ""], "price"),
    7500: (["L7500", "{token}-00000", "Twin", "Acme", "draft", "", "", "", ""], "duplicate sku {token}-00000"),
    9000: (["L9000", "{token}-ORPHAN", "Orphan", "Acme", "active", "", "5.00", "EUR", ""], "at least one category"),
    9999: (["L9999", "{token}-LONG", "Extra", "Acme", "draft", "", "", "", "", "surplus"], "has 10 fields"),
}


def write_legacy_csv(path: Path, token: str) -> None:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "sku", "name", "brand", "status", "categories", "price", "currency", "colour"])
        for index in range(ROWS):
            if index in BAD_ROWS:
                writer.writerow([field.format(token=token) for field in BAD_ROWS[index][0]])
            else:
                writer.writerow([f"L{index}", f"{token}-{index:05d}", f"Legacy {token} {index:05d}", "Acme",
                                 "active" if index % 2 else "draft", f"{token} shoes|{token} boots" if index % 3
                                 else f"{token} socks", f"{index % 90 + 1}.99", "EUR", "red"])


def test_a_legacy_csv_is_imported_with_its_bad_rows_reported_by_line(own, tmp_path: Path):
    admin, env = own
    token = unique("LEGACY").upper()
    source = tmp_path / "legacy.csv"
    write_legacy_csv(source, token)

    imported = cli("import", str(source), "--source-name", token.lower(), env=env)

    assert imported.returncode == 0, imported.stderr
    report = dict(re.findall(r"^  line (\d+): (.*)$", imported.stdout, re.MULTILINE))
    assert sorted(map(int, report)) == [index + 2 for index in BAD_ROWS]  # the header is line 1
    for index, (_, reason) in BAD_ROWS.items():
        assert reason.format(token=token) in report[str(index + 2)], (index, report[str(index + 2)])
    assert f"imported:           {ROWS - len(BAD_ROWS)}" in imported.stdout
    assert "categories created: 3" in imported.stdout

    listed = list_all(admin, f"q={token}", limit=500)
    assert len(listed) == len({item["id"] for item in listed}) == ROWS - len(BAD_ROWS)
    sample = next(item for item in listed if item["sku"] == f"{token}-00007")
    assert (sample["status"], sample["attributes"], sample["prices"]["EUR"]["base"]) == ("active", {"colour": "red"},
                                                                                       "8.99")
    history = ok(admin.get(f"/products/{sample['id']}/history"))["items"]
    assert (history[0]["eventType"], history[0]["userId"]) == ("ProductImported", "importer")
    active = list_all(admin, f"q={token}&status=active", limit=500)
    assert len(active) == ROWS // 2 - 1  # odd rows are active, but row 9999 was skipped


def test_a_json_lines_import_reports_the_rows_the_store_cannot_keep_and_carries_on(own, tmp_path: Path):
    admin, env = own
    token = unique("JSONL").upper()
    source = tmp_path / "legacy.jsonl"
    source.write_text("\n".join([
        f'{{"sku": "{token}-1", "name": "Kept", "price": 2.50, "currency": "EUR"}}',
        f'{{"sku": "{token}-2", "name": "Lone surrogate \\ud800"}}',
        f'{{"sku": "{token}-3", "name": "Huge", "attributes": {{"n": 123456789012345678901234567890}}}}',
        f'{{"sku": "{token}-4", "name": "Kept too"}}']) + "\n")

    imported = cli("import", str(source), "--source-name", token.lower(), env=env)

    assert imported.returncode == 0, imported.stderr
    assert sorted(re.findall(r"^  line (\d+): ", imported.stdout, re.MULTILINE)) == ["2", "3"], imported.stdout
    listed = list_all(admin, f"q={token}")
    assert sorted(item["name"] for item in listed) == ["Kept", "Kept too"]
    assert next(item for item in listed if item["name"] == "Kept")["prices"]["EUR"]["base"] == "2.50"
