"""Broken data files: each problem is a DatasetError naming file, line, field and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hret
from hret.errors import DatasetError

GOOD = {"question": "하늘의 색은?", "A": "파랑", "B": "빨강", "C": "초록", "D": "검정", "answer": 1}


def _jsonl(path: Path, lines: list[str], encoding: str = "utf-8") -> str:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return str(path)


def _good_line() -> str:
    return json.dumps(GOOD, ensure_ascii=False)


def test_bad_json_line_names_the_file_line() -> None:
    path = _jsonl(Path("bad.jsonl"), [_good_line(), "", _good_line(), '{"question": oops}'])
    with pytest.raises(DatasetError) as info:
        hret.load_dataset(path)
    message = str(info.value)
    assert "bad.jsonl line 4: not valid JSON" in message
    assert "column 14" in message and "one JSON object per line" in message


@pytest.mark.parametrize(("line", "kind"), [("[1, 2]", "list"), ("42", "number"), ('"text"', "string")])
def test_a_line_that_is_not_an_object(line: str, kind: str) -> None:
    path = _jsonl(Path("shape.jsonl"), [line, _good_line()])
    with pytest.raises(DatasetError, match=rf"shape.jsonl line 1: a JSON {kind} .*expected a JSON object"):
        hret.load_dataset(path)


def test_json_file_rows_that_are_not_objects() -> None:
    Path("rows.json").write_text(json.dumps([GOOD, [1]]), encoding="utf-8")
    with pytest.raises(DatasetError, match=r"rows.json row 2: a JSON list"):
        hret.load_dataset("rows.json")
    Path("broken.json").write_text('[\n{"question": 1,\n}', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"broken.json line 3: not valid JSON"):
        hret.load_dataset("broken.json")


def test_missing_answer_names_line_and_field() -> None:
    row = {k: v for k, v in GOOD.items() if k != "answer"}
    path = _jsonl(Path("noanswer.jsonl"), [_good_line(), _good_line(), json.dumps(row, ensure_ascii=False)])
    with pytest.raises(DatasetError) as info:
        hret.load_dataset(path)
    message = str(info.value)
    assert "noanswer.jsonl line 3: no field 'answer'" in message
    assert "column_map" in message


def test_bad_options_json() -> None:
    row = {"question": "q", "options": '["가", "나"', "answer": 1}
    path = _jsonl(Path("opts.jsonl"), [json.dumps(row, ensure_ascii=False)])
    with pytest.raises(DatasetError, match=r"opts.jsonl line 1: field 'options' is not valid JSON.*"
                                           r"expected a JSON list of option texts"):
        hret.load_dataset(path)
    row["options"] = "5"
    _jsonl(Path("opts.jsonl"), [json.dumps(row, ensure_ascii=False)])
    with pytest.raises(DatasetError, match=r"field 'options' is a int.*expected a list"):
        hret.load_dataset(path)


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_byte_order_mark_is_skipped(suffix: str) -> None:
    path = Path(f"bom{suffix}")
    if suffix == ".jsonl":
        text = _good_line() + "\n"
    elif suffix == ".json":
        text = json.dumps([GOOD], ensure_ascii=False)
    else:
        text = ",".join(GOOD) + "\n" + ",".join(str(v) for v in GOOD.values()) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    dataset = hret.load_dataset(str(path))
    assert dataset.samples[0].input == "하늘의 색은?" and dataset.samples[0].reference == "A"


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv"])
def test_declared_encoding(suffix: str) -> None:
    path = Path(f"korean{suffix}")
    if suffix == ".jsonl":
        text = _good_line() + "\n"
    elif suffix == ".json":
        text = json.dumps([GOOD], ensure_ascii=False)
    else:
        text = ",".join(GOOD) + "\n" + ",".join(str(v) for v in GOOD.values()) + "\n"
    path.write_bytes(text.encode("cp949"))
    with pytest.raises(DatasetError) as info:
        hret.load_dataset(str(path))
    line = 2 if suffix == ".csv" else 1  # the csv header is ASCII
    assert f"korean{suffix} line {line}: byte" in str(info.value)
    assert "dataset_params={'encoding': 'cp949'}" in str(info.value)
    dataset = hret.load_dataset(str(path), encoding="cp949")
    assert dataset.samples[0].input == "하늘의 색은?"
    with hret.evaluation_context(dataset=str(path), dataset_params={"encoding": "cp949"}) as ctx:
        assert ctx.dataset().samples[0].options[0] == "파랑"


def test_encoding_errors_for_unknown_codec_parquet_and_other_params(tmp_path: Path) -> None:
    path = _jsonl(Path("x.jsonl"), [_good_line()])
    with pytest.raises(DatasetError, match=r"encoding='klingon' is not an encoding Python knows"):
        hret.load_dataset(path, encoding="klingon")
    with pytest.raises(DatasetError, match=r"takes no parameters \['sheet'\].*encoding"):
        hret.load_dataset(path, sheet=1)
    import pandas as pd

    pd.DataFrame([GOOD]).to_parquet("p.parquet")
    assert hret.load_dataset("p.parquet", encoding="utf-8").samples[0].reference == "A"
    with pytest.raises(DatasetError, match=r"does not apply to Parquet"):
        hret.load_dataset("p.parquet", encoding="cp949")
    Path("junk.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DatasetError, match=r"junk.parquet is not a readable Parquet file"):
        hret.load_dataset("junk.parquet")


def test_csv_rows_report_their_line() -> None:
    Path("q.csv").write_text("question,A,B,answer\n하늘?,파랑,빨강,1\n\"여러\n줄\",가,나,1\n땅?,흙,물,\n",
                             encoding="utf-8")
    with pytest.raises(DatasetError, match=r"q.csv line 5: answer '' is not an option"):
        hret.load_dataset("q.csv")
