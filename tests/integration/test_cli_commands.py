"""The `product-service` console command, run as a user runs it: a process on a data directory."""

import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest

from application.importing.importer import imported_product_id
from application.unit_of_work import CommandContext
from domain.commands import CreateProduct, UpdateProductDetails
from entrypoints.containers import build_container, init_stores
from entrypoints.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
SECRET = "a-test-secret-that-is-long-enough-for-hs256"
SCRIPT = Path(sys.executable).with_name("product-service")
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "entrypoints.cli"]


def cli(data_dir: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("PRODUCT_SERVICE_")}
    env.update(PRODUCT_SERVICE_DATA_DIR=str(data_dir), PRODUCT_SERVICE_JWT_SECRET=SECRET, **environment)
    return subprocess.run([*COMMAND, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "events.db") as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "var"
    assert cli(data_dir, "init").returncode == 0
    return data_dir


def test_init_twice_is_harmless(data_dir, tmp_path):
    legacy = tmp_path / "legacy.csv"
    legacy.write_text("sku,name\nA-1,Boot\n")
    cli(data_dir, "import", str(legacy))

    again = cli(data_dir, "init")

    assert again.returncode == 0, again.stderr
    assert query(data_dir, "SELECT count(*) FROM events") == [(1,)]
    tables = {name for (name,) in query(data_dir, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"events", "snapshots", "claims"} <= tables
    assert (data_dir / "read_models.db").exists()


def test_token_carries_the_user_and_roles_signed_with_the_secret():
    result = cli(Path("unused"), "token", "--user", "alice", "--role", "editor", "--role", "pricing",
                 "--ttl-minutes", "5")

    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), SECRET, algorithms=["HS256"])
    assert (claims["sub"], claims["roles"]) == ("alice", ["editor", "pricing"])
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - datetime.now(UTC).timestamp()) < 60
    assert result.stdout.count("\n") == 1  # the token alone, for TOKEN=$(product-service token ...)


def test_token_refuses_an_unknown_role():
    result = cli(Path("unused"), "token", "--user", "alice", "--role", "superuser")

    assert result.returncode == 2
    assert "invalid choice: 'superuser'" in result.stderr and result.stdout == ""


def test_bad_settings_exit_2_with_a_message():
    result = cli(Path("unused"), "verify", PRODUCT_SERVICE_EVENT_STORE="cassandra")

    assert result.returncode == 2
    assert "configuration error: PRODUCT_SERVICE_EVENT_STORE must be one of" in result.stderr


def write_three_versions(data_dir: Path) -> str:
    """A product stream at version 3, written in this process."""
    container = build_container(Settings(data_dir=str(data_dir)))
    init_stores(container)
    product_id, bus, context = str(uuid.uuid4()), container.message_bus(), CommandContext("tester", "c", "c")
    bus.handle(CreateProduct(product_id, "BOOT-1", "Boot"), context)
    bus.handle(UpdateProductDetails(product_id, name="Hiking Boot"), context)
    bus.handle(UpdateProductDetails(product_id, name="Walking Boot"), context)
    container.sqlite_database().close()
    return product_id


def test_verify_passes_on_a_healthy_store(data_dir):
    write_three_versions(data_dir)

    result = cli(data_dir, "verify")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "streams: 1 (product 1)" in result.stdout and "events: 3" in result.stdout
    assert "OK" in result.stdout


def test_verify_names_the_stream_with_a_missing_event(data_dir):
    product_id = write_three_versions(data_dir)
    with sqlite3.connect(data_dir / "events.db") as connection:
        connection.execute("DELETE FROM events WHERE entity_id = ? AND sequence_number = 2", (product_id,))

    result = cli(data_dir, "verify")

    assert result.returncode == 1
    assert f"stream {product_id}: sequence numbers missing: 2" in result.stdout
    assert "feed shard 0: positions missing: 2" in result.stdout


def test_snapshot_writes_every_stream_at_its_current_version(data_dir):
    product_id = write_three_versions(data_dir)

    result = cli(data_dir, "snapshot")

    assert result.returncode == 0, result.stderr
    assert "snapshots written: 1" in result.stdout
    assert query(data_dir, "SELECT entity_id, version, aggregate_type FROM snapshots") == [(product_id, 3, "product")]
    state = query(data_dir, "SELECT state FROM snapshots")[0][0]
    assert '"name":"Walking Boot"' in str(state)


def test_snapshot_of_an_unknown_entity_fails(data_dir):
    unknown = str(uuid.uuid4())

    result = cli(data_dir, "snapshot", "--entity", unknown)

    assert result.returncode == 1
    assert f"not written: {unknown}: no such stream" in result.stdout


def test_import_prints_the_report_and_projects_the_products(data_dir, tmp_path):
    legacy = tmp_path / "legacy.csv"
    legacy.write_text("sku,name,categories,price,currency\nA-1,Boot,Shoes,10,EUR\nA-2,,Shoes,5,EUR\n")

    result = cli(data_dir, "import", str(legacy), "--user", "migrator", "--source-name", "old-shop")

    assert result.returncode == 0, result.stderr
    assert "import of source 'old-shop'" in result.stdout
    assert "imported:           1" in result.stdout and "skipped:            1" in result.stdout
    assert "line 3: name: must be 1-200 characters" in result.stdout
    assert query(data_dir, "SELECT DISTINCT user_id FROM events") == [("migrator",)]
    container = build_container(Settings(data_dir=str(data_dir)))
    product = container.read_models().product(imported_product_id("old-shop", "A-1"), datetime.now(UTC))
    assert product is not None and product["name"] == "Boot"


def test_import_recognises_a_shopify_export_and_imports_nothing_twice(data_dir):
    first = cli(data_dir, "import", str(DATA / "shopify_sample.csv"))
    events = query(data_dir, "SELECT count(*) FROM events")

    again = cli(data_dir, "import", str(DATA / "shopify_sample.csv"))

    assert "source 'shopify-shopify_sample'" in first.stdout and "imported:           6" in first.stdout
    assert "already imported:   6" in again.stdout
    assert query(data_dir, "SELECT count(*) FROM events") == events


def test_import_of_a_missing_file_fails_with_a_message(data_dir, tmp_path):
    result = cli(data_dir, "import", str(tmp_path / "nowhere.csv"))

    assert result.returncode == 1
    assert "product-service: cannot read" in result.stderr and "Traceback" not in result.stderr


def test_projections_rebuild_replays_every_event(data_dir):
    write_three_versions(data_dir)

    result = cli(data_dir, "projections", "rebuild")

    assert result.returncode == 0, result.stderr
    assert "read models rebuilt from 3 events" in result.stdout
