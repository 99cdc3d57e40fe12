"""The store: migrations on SQLite and PostgreSQL, a dataset in and the same dataset out, refusals."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from small_network import RngChooser, build_network
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.schema import TABLES, open_dataset, write_dataset
from carenet.service.store import METADATA, StoreError, database, export_dataset, load_dataset, open_store
from carenet.service.store.database import alembic_config, current_revision, head_revision, migrate
from carenet.service.store.statements import Compiled
from carenet.service.store.tables import CANONICAL
from carenet.service.store.transfer import ACTIVITY, read_tables
from conftest import fresh_postgres_url

AS_OF = date(2024, 6, 30)


@pytest.fixture(scope="module")
def network() -> dict[str, pa.Table]:
    return build_network(RngChooser(21), n_patients=40, n_appointments=300)


@pytest.fixture
def dataset(tmp_path, network):
    write_dataset(tmp_path / "in", network, source="test")
    return tmp_path / "in"


def _sorted(name: str, table: pa.Table) -> pa.Table:
    return table.sort_by([(k, "ascending") for k in TABLES[name].primary_key])


def test_migrations_build_exactly_the_store_tables_and_run_down_and_up(store_db):
    store = open_store(store_db)
    try:
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), METADATA) == []
            assert set(sa.inspect(connection).get_table_names()) == set(METADATA.tables) | {"alembic_version"}
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with store.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
        migrate(store.engine)
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def test_a_dataset_loads_and_exports_unchanged(store_db, dataset, network, tmp_path):
    store = open_store(store_db)
    try:
        report = load_dataset(store, dataset)
        assert report.rows == {n: t.num_rows for n, t in network.items() if t.num_rows}
        export_dataset(store, tmp_path / "out")
    finally:
        store.close()
    out = open_dataset(tmp_path / "out")
    assert set(out.names) == {n for n, t in network.items() if t.num_rows} | set(ACTIVITY)
    for name in out.names:
        assert _sorted(name, out.table(name)).equals(_sorted(name, open_dataset(dataset).table(name))), name


def test_the_exported_store_scores_as_the_dataset_does(tmp_path, dataset, network):
    store = open_store(tmp_path / "store.db")
    load_dataset(store, dataset)
    export_dataset(store, tmp_path / "out")
    store.close()
    cards = {}
    for name in ("in", "out"):
        result = CliRunner().invoke(app, ["score", str(tmp_path / name), "--as-of", AS_OF.isoformat(), "--format",
                                          "json", "--out", str(tmp_path / f"{name}.json")])
        assert result.exit_code == 0, result.output
        cards[name] = json.loads((tmp_path / f"{name}.json").read_text())
        cards[name].pop("label")
    values = {name: {(a, k): m for a, section in card.pop("attributes").items() for k, m in section.items()}
              for name, card in cards.items()}
    assert cards["out"] == cards["in"]
    assert values["in"].keys() == values["out"].keys() and len(values["in"]) > 20
    for key, measure in values["in"].items():  # the same figures (summed in primary-key order: to the last bits)
        value = measure["value"]
        expected = {**measure, "value": value if value is None else pytest.approx(value, rel=1e-12)}
        assert values["out"][key] == expected, key


def test_a_load_that_repeats_rows_is_refused_whole(store_db, dataset, tmp_path):
    store = open_store(store_db)
    try:
        load_dataset(store, dataset)
        before = {n: t.num_rows for n, t in read_tables(store).items()}
        extra = build_network(RngChooser(22), n_patients=5, n_appointments=5)  # the same practice codes again
        write_dataset(tmp_path / "again", extra, source="test")
        with pytest.raises(StoreError, match=r"cannot load .*again.*nothing was loaded"):
            load_dataset(store, tmp_path / "again")
        assert {n: t.num_rows for n, t in read_tables(store).items()} == before
    finally:
        store.close()


@pytest.mark.parametrize(("db", "message"), [
    ("mysql://u@h/db", "runs on SQLite or PostgreSQL"),
    ("postgresql://nobody@127.0.0.1:1/none", "cannot open the store"),
    ("/no/such/folder/store.db", "does not exist"),
])
def test_bad_stores_are_clear_errors(db, message):
    with pytest.raises(StoreError, match=message):
        open_store(db)


def test_a_postgresql_connection_is_checked_only_after_lying_unused(postgres_options, monkeypatch):
    """A connection given back a moment ago is lent without a round trip; one unused for longer is checked first,
    and one the server dropped meanwhile is replaced, the request never seeing it."""
    store = open_store(fresh_postgres_url(postgres_options), migrate_to=None)
    pings = []
    ping = store.engine.dialect.do_ping
    monkeypatch.setattr(store.engine.dialect, "do_ping", lambda dbapi: pings.append(1) or ping(dbapi))
    try:
        with store.engine.connect() as connection:
            first = connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with store.engine.connect() as connection:  # used a moment ago: lent as it is
            assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == first
        assert pings == []
        import psycopg

        with psycopg.connect(host=postgres_options["host"], port=postgres_options["port"],
                             user=postgres_options["user"], dbname="postgres", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))  # the server drops the idle connection
        for record in store.engine.pool._pool.queue:  # every pooled connection lay unused for long
            record.info[database._RETURNED_AT] -= database.PING_AFTER_IDLE_SECONDS + 1
        with store.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT 1")).scalar_one() == 1
        assert pings
    finally:
        store.close()


def test_a_query_compiled_once_answers_as_the_query_does(store_db):
    store = open_store(store_db)
    practices = CANONICAL["practices"]
    query = sa.select(practices.c.practice_id, sa.literal(7).label("seven"), sa.false().label("no")).where(
        sa.or_(practices.c.practice_id == sa.bindparam("wanted"), practices.c.practice_id == "P2"))
    try:
        with store.engine.begin() as connection:
            connection.execute(CANONICAL["networks"].insert(), [{"network_id": "N1", "name": "north", "kind": "pcn"}])
            connection.execute(practices.insert(), [{"practice_id": p, "network_id": "N1", "name": p, "list_size": 1}
                                                    for p in ("P1", "P2", "P3")])
            compiled = Compiled.of(query, connection.dialect)
            for wanted in ("P1", "P3", "nobody"):
                assert sorted(map(tuple, compiled.execute(connection, {"wanted": wanted}))) == sorted(
                    map(tuple, connection.execute(query, {"wanted": wanted})))
            row = compiled.execute(connection, {"wanted": "P1"}).first()
            assert row.seven == 7 and not row.no
            with pytest.raises(ValueError, match="IN list"):
                Compiled.of(sa.select(practices).where(practices.c.practice_id.in_(["P1", "P2"])), connection.dialect)
    finally:
        store.close()


def test_a_database_of_another_program_is_refused(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE invoices (id INTEGER)")
    engine.dispose()
    with pytest.raises(StoreError, match="tables carenet did not make.*invoices"):
        open_store(tmp_path / "other.db")


def test_store_commands_load_and_export(tmp_path, dataset, network):
    db = tmp_path / "cli.db"
    loaded = CliRunner().invoke(app, ["store", "load", str(dataset), "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    assert "patients" in loaded.output and f"{network['patients'].num_rows:,}" in loaded.output
    exported = CliRunner().invoke(app, ["store", "export", str(tmp_path / "out"), "--db", str(db)])
    assert exported.exit_code == 0, exported.output
    assert open_dataset(tmp_path / "out").manifest.counts["appointments"] == network["appointments"].num_rows


def test_store_command_errors_are_one_clear_line(tmp_path, dataset, capsys, monkeypatch):
    from carenet.cli.app import main

    monkeypatch.setattr("sys.argv", ["carenet", "store", "load", str(dataset), "--db", "mysql://u@h/db"])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert "runs on SQLite or PostgreSQL" in err and "Traceback" not in err
