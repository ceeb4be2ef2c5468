from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import hret
from hret.datasets import DATASETS
from hret.errors import DatasetError, UnknownNameError

KMMLU_CATEGORIES = {"STEM", "Applied Science", "HUMSS", "Other"}


def test_ko_sample_is_complete_and_in_kmmlu_schema() -> None:
    test = hret.load_dataset("ko-sample")
    dev = hret.load_dataset("ko-sample", split="dev")
    assert len(test) >= 80
    assert test.split == "test" and dev.split == "dev"
    subjects = Counter(s.subset for s in test)
    assert len(subjects) >= 8
    assert {s.category for s in test} == KMMLU_CATEGORIES
    assert Counter(s.subset for s in dev) == {name: 5 for name in subjects}
    for sample in test:
        assert len(sample.options) == 4
        assert sample.reference in "ABCD"
        assert sample.answer_index is not None
    assert not {s.input for s in test} & {s.input for s in dev}


def test_ko_sample_first_item_matches_the_file() -> None:
    path = Path(hret.__file__).parent / "data" / "ko_sample" / "test.jsonl"
    row = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    sample = hret.load_dataset("ko-sample").samples[0]
    assert sample.input == row["question"]
    assert sample.options == (row["A"], row["B"], row["C"], row["D"])
    assert sample.reference == "ABCD"[row["answer"] - 1]
    assert sample.subset == row["subject"] and sample.category == row["Category"]


ROWS = [
    {"question": "하늘의 색은?", "A": "파랑", "B": "빨강", "C": "초록", "D": "검정", "answer": 1},
    {"question": "1+1은?", "A": "3", "B": "2", "C": "5", "D": "7", "answer": "B"},
    {"question": "물의 화학식은?", "A": "CO2", "B": "O2", "C": "H2O", "D": "NaCl", "answer": "(C)"},
]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif path.suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        import pandas as pd

        pd.DataFrame(rows).astype({"answer": str}).to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_local_multiple_choice_files(tmp_path: Path, suffix: str) -> None:
    dataset = hret.load_dataset(str(_write(tmp_path / f"mine{suffix}", ROWS)))
    assert [s.reference for s in dataset] == ["A", "B", "C"]
    assert dataset.samples[1].options == ("3", "2", "5", "7")
    assert dataset.name == "mine"


def test_options_list_column(tmp_path: Path) -> None:
    rows = [{"question": "q1", "options": ["가", "나", "다", "라", "마"], "answer": 5}]
    dataset = hret.load_dataset(str(_write(tmp_path / "o.jsonl", rows)))
    assert dataset.samples[0].reference == "E"
    assert len(dataset.samples[0].options) == 5


def test_missing_columns_name_what_is_expected(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [{"prompt": "hi", "target": "x"}])
    with pytest.raises(DatasetError, match=r"columns \['prompt', 'target'\].*column_map"):
        hret.load_dataset(str(path))
    mapped = hret.load_dataset(str(path), column_map={"input": "prompt", "reference": "target"})
    assert mapped.samples[0].input == "hi" and mapped.samples[0].reference == "x"
    with pytest.raises(DatasetError, match="no column"):
        hret.load_dataset(str(path), column_map={"input": "question", "reference": "target"})


def test_answer_out_of_range_is_reported(tmp_path: Path) -> None:
    rows = [dict(ROWS[0], answer=7)]
    with pytest.raises(DatasetError, match="answer 7 is not an option.*1-4"):
        hret.load_dataset(str(_write(tmp_path / "r.jsonl", rows)))


def test_empty_dataset_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DatasetError, match="no samples"):
        hret.load_dataset(str(path))


def test_unknown_dataset_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'ko-sample'") as info:
        hret.load_dataset("ko-sampel")
    assert "Available:" in str(info.value)
    assert "ko-sample" in DATASETS


def test_unknown_subset_lists_subsets() -> None:
    with pytest.raises(DatasetError, match="Did you mean 'Math'"):
        hret.load_dataset("ko-sample", subset="Maths")
    chosen = hret.load_dataset("ko-sample", subset=["Math", "Law"])
    assert set(chosen.subsets) == {"Math", "Law"} and len(chosen) == 20


def test_limit_is_seeded_stratified_and_not_the_first_n() -> None:
    full = hret.load_dataset("ko-sample")
    a = hret.load_dataset("ko-sample", limit=30, seed=1)
    b = hret.load_dataset("ko-sample", limit=30, seed=1)
    c = hret.load_dataset("ko-sample", limit=30, seed=2)
    assert [s.id for s in a] == [s.id for s in b]
    assert [s.id for s in a] != [s.id for s in c]
    assert [s.id for s in a] != [s.id for s in full.samples[:30]]
    assert Counter(s.subset for s in a) == {name: 3 for name in full.subsets}
    order = [s.id for s in full]
    assert [s.id for s in a] == sorted((s.id for s in a), key=order.index)


def test_limit_with_uneven_subsets_uses_largest_remainder() -> None:
    base = hret.load_dataset("ko-sample", subset=["Math", "Law", "Health"])
    uneven = hret.Dataset("u", base.samples[:10] + base.samples[10:15] + base.samples[20:21])
    picked = uneven.subsample(8, seed=0)
    # quotas 8*10/16=5.0, 8*5/16=2.5, 8*1/16=0.5 -> 5, then the two .5 remainders share 1
    counts = Counter(s.subset for s in picked)
    assert len(picked) == 8 and counts["Math"] == 5
    assert counts["Law"] + counts["Health"] == 3


def test_fewshot_comes_from_dev_of_the_same_subject() -> None:
    test = hret.load_dataset("ko-sample")
    sample = test.samples[0]
    shots = test.fewshot_for(sample, 5, seed=0)
    assert len(shots) == 5
    assert all(s.subset == sample.subset and s.id.split("/")[2] == "dev" for s in shots)
    assert shots == test.fewshot_for(sample, 5, seed=0)
    with pytest.raises(DatasetError, match="num_fewshot=60"):
        test.fewshot_for(sample, 60)


def test_fewshot_never_includes_the_evaluated_item() -> None:
    dev = hret.load_dataset("ko-sample", split="dev")
    pooled = hret.Dataset("d", dev.samples, fewshot_pool=dev.samples)
    for sample in dev.samples[:10]:
        assert sample not in pooled.fewshot_for(sample, 4)


def test_dataset_object_is_accepted() -> None:
    own = hret.Dataset("own", (hret.Sample(id="x/0", input="2+2?", reference="4"),))
    assert hret.load_dataset(own).samples[0].reference == "4"
    with pytest.raises(DatasetError, match="expected a registered name"):
        hret.load_dataset(42)  # type: ignore[arg-type]


def test_sample_round_trips_through_json() -> None:
    sample = hret.load_dataset("ko-sample").samples[3]
    assert hret.Sample.from_dict(json.loads(json.dumps(sample.to_dict()))) == sample


def test_dataset_options_may_come_inside_dataset_params(tmp_path: Path) -> None:
    """``hret run --dataset-param column_map=...`` puts an option of its own there."""
    path = tmp_path / "free.jsonl"
    path.write_text("".join(json.dumps({"q": f"{i}+1?", "a": str(i + 1), "s": "x" if i % 2 else "y"}) + "\n"
                            for i in range(6)), encoding="utf-8")
    mapping = {"input": "q", "reference": "a", "subset": "s"}
    inside = hret.quick_eval(lambda p: "2", dataset=str(path), progress=False,
                             dataset_params={"column_map": mapping, "subset": "y", "limit": 2})
    beside = hret.quick_eval(lambda p: "2", dataset=str(path), progress=False, column_map=mapping, subset="y",
                             limit=2)
    assert inside.metrics["n"] == beside.metrics["n"] == 2
    assert [s["id"] for s in inside.samples] == [s["id"] for s in beside.samples]
    twice = r"subset is given twice, subset='x' and dataset_params=\{'subset': 'y'\}"
    with pytest.raises(hret.ConfigError, match=twice):
        hret.quick_eval(lambda p: "2", dataset=str(path), subset="x",
                        dataset_params={"column_map": mapping, "subset": "y"})
    with pytest.raises(hret.ConfigError, match="seed is an option of its own; pass seed=3"):
        hret.quick_eval(lambda p: "2", dataset=str(path), dataset_params={"column_map": mapping, "seed": 3})
