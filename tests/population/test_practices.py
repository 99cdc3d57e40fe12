import pyarrow.compute as pc
import pytest

from carenet.population import demo_networks, demo_practices, read_practices_csv, scale_list_sizes
from carenet.schema import validate_dataset
from carenet.schema.errors import CarenetError


def test_demo_is_one_pcn_of_five_practices_and_fifty_thousand_patients():
    practices, networks = demo_practices(), demo_networks()
    assert practices.num_rows == 5
    assert pc.sum(practices["list_size"]).as_py() == 50_000
    assert set(practices["network_id"].to_pylist()) == set(networks["network_id"].to_pylist())
    scores = practices["imd_score"].to_pylist()
    assert min(scores) < 12 and max(scores) > 35
    assert validate_dataset({"networks": networks, "practices": practices}) == []


def test_a_good_csv_is_read_with_optional_columns(tmp_path):
    path = tmp_path / "practices.csv"
    path.write_text("practice_id,name,list_size,imd_score,network_id\n"
                    "A1,First Practice,1200,22.5,N1\n"
                    "A2,Second Practice,\"3,400\",,\n")
    table = read_practices_csv(path)
    assert table.to_pylist()[0] == {"practice_id": "A1", "name": "First Practice", "network_id": "N1",
                                    "imd_score": 22.5, "list_size": 1200, "postcode": None}
    assert table["list_size"].to_pylist() == [1200, 3400]
    assert table["imd_score"].to_pylist() == [22.5, None]


def test_bad_rows_are_reported_with_file_line_and_reason(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("practice_id,name,list_size,imd_score\n"
                    "A1,Fine,100,10\n"
                    ",No code,100,\n"
                    "A3,Size words,lots,\n"
                    "A1,Again,100,\n"
                    "A5,Deprived,100,150\n")
    with pytest.raises(CarenetError) as err:
        read_practices_csv(path)
    text = str(err.value)
    assert "4 bad row(s)" in text
    assert f"{path} line 3: practice_id is empty" in text
    assert f"{path} line 4: list_size 'lots' is not a whole number" in text
    assert f"{path} line 5: practice_id 'A1' repeats line 2" in text
    assert f"{path} line 6: imd_score '150' is not a number between 0 and 100" in text


def test_missing_columns_empty_and_absent_files_are_clear(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("code,name\nA1,x\n")
    with pytest.raises(CarenetError, match=r"line 1: missing column\(s\) practice_id, list_size"):
        read_practices_csv(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CarenetError, match="empty"):
        read_practices_csv(empty)
    with pytest.raises(CarenetError, match="not found"):
        read_practices_csv(tmp_path / "nowhere.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text("practice_id,name,list_size\n")
    with pytest.raises(CarenetError, match="no practices"):
        read_practices_csv(header_only)


def test_scaling_keeps_proportions_and_the_exact_total():
    scaled = scale_list_sizes(demo_practices(), 500_001)
    sizes = scaled["list_size"].to_pylist()
    assert sum(sizes) == 500_001
    assert sizes[0] == pytest.approx(14_200 * 10, abs=1)
    with pytest.raises(CarenetError, match="larger than"):
        scale_list_sizes(demo_practices(), 5_000_000)
