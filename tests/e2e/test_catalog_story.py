"""The catalog team's story over HTTP: categories, products, prices, discounts, the lifecycle and the past."""

import time
from datetime import UTC, datetime, timedelta

from tests.e2e.catalog import (
    create_category,
    create_product,
    event_types,
    find_in_tree,
    iso,
    list_all,
    node,
    parse_iso,
)
from tests.e2e.server import Client, ok, problem, unique, wait_until


def test_a_product_is_activated_only_once_it_has_a_category_and_a_price(admin: Client):
    shoes = create_category(admin, "Shoes")
    boots = create_category(admin, "Boots", parent=shoes["id"])
    sku = unique("boot").lower()
    created = admin.post("/products", {"sku": sku, "name": "Trail boot"})
    product = ok(created, 201)
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == f"/api/v1/products/{product['id']}"
    assert (product["status"], product["version"], product["sku"]) == ("draft", 1, sku.upper())  # SKUs are upper-case

    assert "category" in problem(admin.post(f"/products/{product['id']}/activate"), 409)["detail"]
    ok(admin.put(f"/products/{product['id']}/categories/{boots['id']}"))
    assert "price" in problem(admin.post(f"/products/{product['id']}/activate"), 409)["detail"]
    pricing = ok(admin.put(f"/products/{product['id']}/price", {"amount": "89.00", "currency": "EUR"}))
    assert pricing["prices"][0] == {"currency": "EUR", "amount": "89.00", "effectiveAmount": "89.00",
                                    "discountId": None, "scheduled": []}

    activated = admin.post(f"/products/{product['id']}/activate")
    assert ok(activated)["status"] == "active" and activated.headers["ETag"] == '"3"'
    shown = ok(admin.get(f"/products/{product['id']}"))
    assert (shown["status"], shown["categoryIds"], shown["version"]) == ("active", [boots["id"]], 3)
    assert shown["prices"] == {"EUR": {"base": "89.00", "effective": "89.00", "discountId": None}}


def test_a_scheduled_price_change_takes_effect_at_its_moment(admin: Client):
    product = create_product(admin, price="10.00")
    takes_effect = datetime.now(UTC) + timedelta(seconds=2)
    pricing = ok(admin.put(f"/products/{product['id']}/price",
                           {"amount": "12.50", "currency": "EUR", "effectiveFrom": iso(takes_effect)}))
    assert pricing["prices"][0]["amount"] == "10.00"
    assert pricing["prices"][0]["scheduled"] == [{"amount": "12.50", "effectiveFrom": iso(takes_effect)}]

    def base_now() -> str:
        return str(ok(admin.get(f"/products/{product['id']}"))["prices"]["EUR"]["base"])

    assert base_now() == "10.00"
    assert wait_until(lambda: base_now() == "12.50", timeout_s=10)
    assert datetime.now(UTC) >= takes_effect
    assert ok(admin.get(f"/products/{product['id']}/price?currency=EUR"))["base"] == "12.50"


def test_discounts_do_not_stack_and_the_lowest_price_wins(admin: Client):
    product = create_product(admin, price="100.00")
    path = f"/products/{product['id']}/discounts"
    ten_percent = admin.post(path, {"kind": "percentage", "value": "10"})
    assert ok(ten_percent, 201)["prices"][0]["effectiveAmount"] == "90.00"
    ten_id = ten_percent.json()["discounts"][0]["id"]
    assert ten_percent.headers["Location"] == f"/api/v1/products/{product['id']}/discounts/{ten_id}"
    fixed = ok(admin.post(path, {"id": "fixed-15", "kind": "fixed", "value": "15", "currency": "EUR"}), 201)
    assert (fixed["prices"][0]["effectiveAmount"], fixed["prices"][0]["discountId"]) == ("85.00", "fixed-15")
    ok(admin.post(path, {"id": "twenty", "kind": "percentage", "value": "20"}), 201)

    quote = ok(admin.get(f"/products/{product['id']}/price?currency=EUR"))
    assert (quote["base"], quote["effective"], quote["discount"]["id"]) == ("100.00", "80.00", "twenty")
    assert admin.delete(f"{path}/twenty").status_code == 204
    assert ok(admin.get(f"/products/{product['id']}"))["prices"]["EUR"] == {
        "base": "100.00", "effective": "85.00", "discountId": "fixed-15"}
    assert "below zero" in problem(admin.post(path, {"kind": "fixed", "value": "100.01", "currency": "EUR"}),
                                   409)["detail"]


def test_the_catalog_is_listed_with_every_filter_a_page_at_a_time(admin: Client):
    category, other = create_category(admin, "Listed"), create_category(admin, "Elsewhere")
    word = unique("word")
    products = [create_product(admin, f"{word} {letter}", [category["id"]], price=f"{price}.00",
                               brand=f"brand-{letter}-{word}")
                for letter, price in zip("ABCDE", (10, 20, 30, 40, 50), strict=True)]
    create_product(admin, f"{word} F elsewhere", [other["id"]], price="30.00")
    for product in products[1:3]:
        ok(admin.post(f"/products/{product['id']}/activate"))
    ok(admin.put(f"/products/{products[4]['id']}/price", {"amount": "45.00", "currency": "USD"}))

    def names(query: str) -> list[str]:
        return [item["name"] for item in list_all(admin, query)]

    in_category = f"category={category['id']}"
    assert names(in_category) == [product["name"] for product in products]  # by name, 2 per page
    assert names(f"{in_category}&status=active") == [products[1]["name"], products[2]["name"]]
    assert names(f"q={word.upper()}") == [p["name"] for p in products] + [f"{word} F elsewhere"]
    assert names(f"q=brand-c-{word}") == [products[2]["name"]]
    assert names(f"{in_category}&minPrice=20&maxPrice=40.00&currency=EUR") == [p["name"] for p in products[1:4]]
    assert names(f"q={word}&minPrice=30&currency=eur") == [products[2]["name"], products[3]["name"],
                                                          products[4]["name"], f"{word} F elsewhere"]
    assert names(f"q={word}&currency=USD") == [products[4]["name"]]
    assert names(f"{in_category}&status=discontinued") == []


def test_a_product_is_edited_moved_between_categories_and_retired(admin: Client):
    first, second = create_category(admin, "First"), create_category(admin, "Second")
    product = create_product(admin, "Sandal", [first["id"]], price="30.00", attributes={"size": 42})
    path = f"/products/{product['id']}"
    patched = ok(admin.patch(path, {"name": "Beach sandal", "brand": "Acme", "attributes": {"colour": "red"},
                                    "removeAttributes": ["size"]}))
    assert (patched["name"], patched["brand"], patched["attributes"]) == ("Beach sandal", "Acme", {"colour": "red"})
    ok(admin.put(f"{path}/categories/{second['id']}"))
    moved = ok(admin.delete(f"{path}/categories/{first['id']}"))
    assert moved["categoryIds"] == [second["id"]]
    assert ok(admin.get(f"/categories/{first['id']}"))["productCount"] == 0
    assert ok(admin.get(f"/categories/{second['id']}"))["productCount"] == 1

    ok(admin.post(f"{path}/activate"))
    assert ok(admin.post(f"{path}/deactivate"))["status"] == "inactive"
    assert ok(admin.post(f"{path}/discontinue"))["status"] == "discontinued"
    problem(admin.patch(path, {"name": "Too late"}), 409)
    deleted = admin.delete(path)
    assert deleted.status_code == 204
    problem(admin.get(path), 404)
    assert list_all(admin, f"category={second['id']}") == []
    assert ok(admin.get(f"/categories/{second['id']}"))["productCount"] == 0
    history = ok(admin.get(f"{path}/history"))
    assert event_types(history)[-4:] == [
        "ProductActivated", "ProductDeactivated", "ProductDiscontinued", "ProductDeleted"]
    assert deleted.headers["ETag"] == f'"{history["version"]}"' == f'"{history["items"][-1]["sequenceNumber"]}"'


def test_the_history_tells_who_changed_what_when_and_in_which_request(server: str):
    user = unique("auditor")
    client = Client(server, user, ("editor", "pricing"))
    product = ok(client.post("/products", {"sku": unique("h"), "name": "Clog"},
                             headers={"X-Correlation-ID": "corr-create"}), 201)
    ok(client.patch(f"/products/{product['id']}", {"name": "Wooden clog"}, headers={"X-Correlation-ID": "corr-edit"}))
    ok(client.put(f"/products/{product['id']}/price", {"amount": "25.00", "currency": "EUR"},
                  headers={"X-Correlation-ID": "corr-price"}))

    answer = client.get(f"/products/{product['id']}/history")
    history = ok(answer)
    assert history["entityId"] == product["id"]
    assert (history["version"], answer.headers["ETag"]) == (2, '"2"')  # the product's own: its prices have theirs
    assert event_types(history) == ["ProductCreated", "ProductDetailsUpdated", "PriceSet"]
    assert [item["correlationId"] for item in history["items"]] == ["corr-create", "corr-edit", "corr-price"]
    assert {item["userId"] for item in history["items"]} == {user}
    changed = {key: value for key, value in history["items"][1]["eventData"].items() if value is not None}
    assert changed == {"name": "Wooden clog"}  # unchanged fields are null
    assert [(item["aggregateType"], item["sequenceNumber"]) for item in history["items"]] == [
        ("product", 1), ("product", 2), ("price", 1)]
    moments = [parse_iso(item["timestamp"]) for item in history["items"]]
    assert moments == sorted(moments) and all(item["timestamp"].endswith("Z") for item in history["items"])
    assert datetime.now(UTC) - moments[0] < timedelta(minutes=1)
    assert len({item["eventId"] for item in history["items"]}) == 3


def test_a_product_is_read_as_it_was_at_a_version_or_at_a_moment(admin: Client):
    product = create_product(admin, "First name")
    for name in ("Second name", "Third name"):
        time.sleep(0.01)
        ok(admin.patch(f"/products/{product['id']}", {"name": name}))
    second_recorded = ok(admin.get(f"/products/{product['id']}/history"))["items"][1]["timestamp"]

    first = admin.get(f"/products/{product['id']}?version=1")
    assert (ok(first)["name"], first.json()["version"], first.headers["ETag"]) == ("First name", 1, '"1"')
    as_of = ok(admin.get(f"/products/{product['id']}", params={"asOf": second_recorded}))
    assert (as_of["name"], as_of["version"]) == ("Second name", 2)
    assert ok(admin.get(f"/products/{product['id']}"))["name"] == "Third name"
    problem(admin.get(f"/products/{product['id']}?version=4"), 404)
    problem(admin.get(f"/products/{product['id']}", params={"asOf": "2000-01-01T00:00:00Z"}), 404)


def test_the_price_at_a_moment_is_answered_as_the_catalog_knew_it_then(admin: Client):
    product = create_product(admin, price="100.00")
    effective = datetime.now(UTC) + timedelta(days=30)
    ok(admin.put(f"/products/{product['id']}/price", {"amount": "120.00", "currency": "EUR",
                                                      "effectiveFrom": iso(effective)}))
    known_then = ok(admin.get(f"/products/{product['id']}/history"))["items"][-1]["timestamp"]
    time.sleep(0.01)
    ok(admin.put(f"/products/{product['id']}/price", {"amount": "130.00", "currency": "EUR",
                                                      "effectiveFrom": iso(effective)}))  # recorded after T'

    def price(**query: str) -> str:
        return str(ok(admin.get(f"/products/{product['id']}/price", params={"currency": "EUR", **query}))["base"])

    at = iso(effective + timedelta(hours=1))
    assert price(at=at, asOf=known_then) == "120.00"
    assert price(at=at) == "130.00"
    assert price(at=iso(effective - timedelta(hours=1)), asOf=known_then) == "100.00"
    then = admin.get(f"/products/{product['id']}/price", params={"currency": "EUR", "at": at, "asOf": known_then})
    quote = ok(then)
    assert (quote["at"], quote["asOf"], quote["effective"]) == (at, known_then, "120.00")
    now = admin.get(f"/products/{product['id']}/price", params={"currency": "EUR", "at": at})
    assert (quote["version"], then.headers["ETag"]) == (2, '"2"')  # the change known then: the prices' second
    assert (ok(now)["version"], now.headers["ETag"]) == (3, '"3"')


def test_the_category_tree_counts_products_refuses_cycles_and_keeps_non_empty_categories(admin: Client):
    parent, other_root = create_category(admin, "Parent"), create_category(admin, "Other")
    child = create_category(admin, "Child", parent=parent["id"])
    product = create_product(admin, "Counted", [child["id"]])

    tree = ok(admin.get("/categories"))["items"]
    assert [category["id"] for category in node(tree, parent["id"])["children"]] == [child["id"]]
    assert (node(tree, parent["id"])["productCount"], node(tree, child["id"])["productCount"]) == (0, 1)
    assert "cycle" in problem(admin.post(f"/categories/{parent['id']}/move", {"parentId": child["id"]}), 409)["detail"]
    slug = unique("kids-shoes")
    revised = admin.patch(f"/categories/{child['id']}", {"name": "Kids", "slug": slug, "description": "Small"},
                          headers={"If-Match": '"1"'})
    assert (ok(revised)["name"], revised.json()["slug"], revised.headers["ETag"]) == ("Kids", slug, '"3"')
    moved = ok(admin.post(f"/categories/{child['id']}/move", {"parentId": other_root["id"]}))
    assert (moved["parentId"], moved["version"], moved["productCount"]) == (other_root["id"], 4, 1)
    history = admin.get(f"/categories/{child['id']}/history")
    assert (ok(history)["version"], history.headers["ETag"], len(history.json()["items"])) == (4, '"4"', 4)
    tree = ok(admin.get("/categories"))["items"]
    assert node(tree, parent["id"])["children"] == []
    assert [category["id"] for category in node(tree, other_root["id"])["children"]] == [child["id"]]

    assert "child" in problem(admin.delete(f"/categories/{other_root['id']}"), 409)["detail"]
    assert "product" in problem(admin.delete(f"/categories/{child['id']}"), 409)["detail"]
    ok(admin.delete(f"/products/{product['id']}/categories/{child['id']}"))
    assert admin.delete(f"/categories/{child['id']}").status_code == 204
    assert admin.delete(f"/categories/{other_root['id']}").status_code == 204
    problem(admin.get(f"/categories/{child['id']}"), 404)
    assert find_in_tree(ok(admin.get("/categories"))["items"], other_root["id"]) is None
    assert event_types(ok(admin.get(f"/categories/{child['id']}/history"))) == [
        "CategoryCreated", "CategoryRenamed", "CategoryDescriptionUpdated", "CategoryMoved", "CategoryDeleted"]
