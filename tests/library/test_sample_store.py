"""Large datasets live on disk (``hret.datasets.store``): the same samples, the
same evaluation, a few bytes of memory per sample."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import hret
from hret.datasets import store
from hret.datasets.store import SampleStore, collect
from hret.errors import DatasetError
from hret.sample import Sample


def samples(n: int) -> list[Sample]:
    messages = ({"role": "user", "content": "안녕"},)
    return [Sample(id=f"s{i}", input=f"문제 {i}" if i % 3 else messages, reference="ABCD"[i % 4],
                   options=("가", "나", "다", "라"), subset=f"sub{i % 3}",
                   category=None if i % 2 else "STEM", metadata={"row": {"n": i}} if i % 5 else {})
            for i in range(n)]


def write_rows(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"question": f"질문 {i}", "A": "가", "B": "나", "C": "다", "D": "라",
                                  "answer": "ABCD"[i % 4], "subject": f"sub{i % 3}", "note": i},
                                 ensure_ascii=False) + "\n")
    return path


def test_samples_pickle() -> None:
    for sample in samples(6):
        assert pickle.loads(pickle.dumps(sample)) == sample


def test_a_store_gives_back_the_samples_it_was_given() -> None:
    given = samples(50)
    kept = collect(given, spill_at=10)
    assert isinstance(kept, SampleStore) and len(kept) == 50
    assert list(kept) == given and kept == given and kept[7] == given[7] and kept[-1] == given[-1]
    assert list(kept[10:20:3]) == given[10:20:3]
    assert list(kept.take([4, 2, 4])) == [given[4], given[2], given[4]]
    assert list(kept.subset_keys()) == [s.subset for s in given]  # from the index, not the file
    assert list(kept[3:9].subset_keys()) == [s.subset for s in given[3:9]]
    assert pickle.loads(pickle.dumps(kept)) == tuple(given)  # another process gets the samples
    with pytest.raises(IndexError):
        kept[50]
    small = collect(given[:9], spill_at=10)
    assert small == tuple(given[:9]) and type(small) is tuple


def test_a_dataset_of_generated_samples_reads_them_once_into_a_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SPILL_AT", 10)
    given = samples(30)
    generated = hret.Dataset("generated", (s for s in given))
    assert isinstance(generated.samples, SampleStore) and generated.samples == given
    assert hret.Dataset("few", (s for s in given[:5])).samples == tuple(given[:5])
    result = hret.quick_eval(lambda p: "정답: A", dataset=generated, progress=False)
    assert result.metrics["n"] == 30


def test_a_large_file_is_loaded_into_a_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "big.jsonl", 300)
    in_memory = hret.load_dataset(str(path))
    monkeypatch.setattr(store, "SPILL_AT", 100)
    on_disk = hret.load_dataset(str(path))
    assert isinstance(on_disk.samples, SampleStore) and not isinstance(in_memory.samples, SampleStore)
    assert on_disk.samples == in_memory.samples
    assert on_disk.subsets == in_memory.subsets == ("sub0", "sub1", "sub2")
    chosen = hret.load_dataset(str(path), subset="sub1", limit=40, seed=3)
    assert isinstance(chosen.samples, SampleStore)
    monkeypatch.setattr(store, "SPILL_AT", 10_000)
    assert list(chosen.samples) == list(hret.load_dataset(str(path), subset="sub1", limit=40, seed=3).samples)


def test_evaluating_a_store_gives_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_rows(tmp_path / "big.jsonl", 240)

    def model(prompt: str) -> str:
        return "정답: " + "ABCD"[len(prompt) % 4]

    expected = hret.quick_eval(model, dataset=str(path), max_workers=1)
    monkeypatch.setattr(store, "SPILL_AT", 50)
    got = hret.quick_eval(model, dataset=str(path), max_workers=8)
    assert got.metrics["accuracy"] == expected.metrics["accuracy"] and got.metrics["n"] == 240
    assert 0 < got.metrics["accuracy"] < 1
    assert [(r["id"], r["prompt"], r["extracted"]) for r in got.samples] == [
        (r["id"], r["prompt"], r["extracted"]) for r in expected.samples]


def test_a_bad_row_far_into_a_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are read as a stream: an error late in the file still names its line."""
    monkeypatch.setattr(store, "SPILL_AT", 100)
    path = write_rows(tmp_path / "big.jsonl", 500)
    good = path.read_bytes()
    path.write_bytes(good.replace(b'"note": 449}', b'"note": 449, "answer": "Z"}'))
    with pytest.raises(DatasetError, match=r"big\.jsonl line 450: answer 'Z' is not an option"):
        hret.load_dataset(str(path))
    path.write_bytes(good.replace("질문 480".encode(), "질문 480".encode("cp949")))
    with pytest.raises(DatasetError, match=r"big\.jsonl line 481: byte .* cannot be read as UTF-8"):
        hret.load_dataset(str(path))
