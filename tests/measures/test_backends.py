"""The backend layer: connections, loading a dataset, absent tables, clear errors."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from carenet.measures.access import access_summary
from carenet.measures.backend import BackendError, MissingTableError, connect, load
from carenet.measures.support import Unsupported
from carenet.schema import CarenetError, open_dataset, write_dataset


def _tiny() -> dict[str, pa.Table]:
    return {
        "practices": pa.table({"practice_id": ["P1"], "name": ["Practice one"], "list_size": [2]}),
        "patients": pa.table({
            "patient_id": ["a", "b"], "birth_date": [dt.date(1950, 1, 1), dt.date(1990, 6, 1)],
            "sex": ["female", "male"], "practice_id": ["P1", "P1"],
            "registered_from": [dt.date(2000, 1, 1), dt.date(2001, 1, 1)],
        }),
        "appointments": pa.table({
            "appointment_id": ["1", "2", "3"], "patient_id": ["a", "a", "b"],
            "requested_at": [dt.datetime(2024, 1, 1, 8), None, dt.datetime(2024, 2, 1, 23, 59)],
            "booked_for": [dt.datetime(2024, 1, 1, 9), dt.datetime(2024, 1, 3, 9), dt.datetime(2024, 2, 2, 0, 1)],
            "status": ["attended", "attended", "did_not_attend"],
        }),
    }


def test_load_mapping_round_trips_rows(make_tables):
    tables = make_tables(_tiny())
    assert "appointments" in tables and "panels" not in tables
    got = tables["appointments"].order_by("appointment_id").to_pyarrow()
    assert got["appointment_id"].to_pylist() == ["1", "2", "3"]
    assert got["requested_at"].to_pylist()[1] is None
    days = tables["appointments"].mutate(
        d=lambda t: t.booked_for.date().epoch_days() - t.requested_at.date().epoch_days()
    ).order_by("appointment_id").d.to_pyarrow().to_pylist()
    assert days == [0, None, 1]


def test_absent_table_is_named(make_tables):
    tables = make_tables(_tiny())
    with pytest.raises(MissingTableError, match="'panels'"):
        tables["panels"]
    marker = tables.require("appointments", "panels", measure="named-GP UPC")
    assert isinstance(marker, Unsupported) and "'panels'" in marker.reason
    assert tables.require("appointments") is None


def test_dataset_on_duckdb_scans_parquet(tmp_path):
    write_dataset(tmp_path / "ds", _tiny(), source="test")
    tables = load(open_dataset(tmp_path / "ds"))
    assert tables.backend == "duckdb"
    assert tables.names == ["practices", "patients", "appointments"]
    assert tables["appointments"].count().to_pyarrow().as_py() == 3


def test_dataset_uploads_to_sqlite(tmp_path):
    write_dataset(tmp_path / "ds", _tiny(), source="test")
    tables = load(open_dataset(tmp_path / "ds"), "sqlite")
    assert tables["patients"].count().to_pyarrow().as_py() == 2


def test_two_datasets_share_one_connection():
    con = connect("sqlite")
    first, second = load(_tiny(), con=con), load({**_tiny(), "appointments": _tiny()["appointments"].slice(0, 1)},
                                                 con=con)
    assert first["appointments"].count().to_pyarrow().as_py() == 3
    assert second["appointments"].count().to_pyarrow().as_py() == 1


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(BackendError, match="unknown backend 'spark'"):
        connect("spark")


def test_unreachable_postgres_is_a_clear_error():
    with pytest.raises(BackendError, match="cannot connect to postgres"):
        connect("postgres", host="127.0.0.1", port=1, user="nobody", database="none", connect_timeout=2)


def test_unknown_option_is_a_clear_error():
    with pytest.raises(BackendError, match="does not take"):
        connect("postgres", hots="x")


def test_non_canonical_table_is_rejected():
    with pytest.raises(CarenetError, match="'visits' is not a canonical table"):
        load({"visits": pa.table({"x": [1]})})


def test_missing_required_column_is_named():
    with pytest.raises(CarenetError, match="lacks required column 'booked_for'"):
        load({"appointments": pa.table({"appointment_id": ["1"], "patient_id": ["a"], "status": ["attended"]})})


def test_a_dataset_of_the_earlier_schema_reads_with_the_new_columns_as_nulls(tmp_path):
    """Requests written before schema 1.1 lack episode_id, outcome and outcome_at: scanned in place on DuckDB they
    read as nulls, so the measures fall back to their definitions for data without outcomes."""
    at = dt.datetime(2024, 1, 1, 9)
    pq.write_table(pa.table({"request_id": ["r1"], "patient_id": ["a"], "practice_id": ["P1"], "requested_at": [at],
                             "need_type": ["acute_minor"], "urgency": ["routine"], "channel": ["telephone"]}),
                   tmp_path / "requests.parquet")
    pq.write_table(pa.table({"appointment_id": ["1"], "patient_id": ["a"], "request_id": ["r1"],
                             "booked_for": [at], "status": ["attended"]}), tmp_path / "appointments.parquet")
    (tmp_path / "manifest.json").write_text(json.dumps({"schema_version": "1.0", "sources": ["old"]}))
    tables = load(open_dataset(tmp_path))
    assert "outcome" in tables["requests"].columns and "episode_id" in tables["requests"].columns
    summary = access_summary(tables)
    assert summary["share_same_day"] == 1.0 and summary["definition"]["shares_of"].startswith("answered requests")


def test_spark_without_java_says_what_to_install(monkeypatch):
    from carenet.measures import spark

    monkeypatch.setattr(spark, "_session", None)  # as in a process that has not started Spark yet
    monkeypatch.setattr(spark.shutil, "which", lambda _: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(BackendError, match="needs Java 17 or later"):
        connect("pyspark")


def test_spark_options_are_checked():
    with pytest.raises(BackendError, match="takes only 'master' and 'conf'"):
        connect("pyspark", threads=2)


def test_dataset_on_spark_is_read_from_parquet(tmp_path, spark_connection):
    write_dataset(tmp_path / "ds", _tiny(), source="test")
    tables = load(open_dataset(tmp_path / "ds"), con=spark_connection)
    assert tables.backend == "pyspark"
    assert tables.names == ["practices", "patients", "appointments"]
    got = tables["appointments"].order_by("appointment_id").to_pyarrow()
    assert got["requested_at"].to_pylist() == _tiny()["appointments"]["requested_at"].to_pylist()
    assert tables.materialize(tables["patients"].filter(lambda t: t.sex == "male")).count().to_pyarrow().as_py() == 1
