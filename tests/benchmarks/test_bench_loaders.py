"""Every benchmark loads through ``datasets`` from files in its hub layout and
produces the samples written out by hand here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import hret
from hret.datasets import Dataset
from hret.errors import DatasetError
from hret.prompts.reference import BenchmarkPrompt
from tests.benchmarks import copies
from tests.benchmarks.copies import HISTORY_DEV, HISTORY_TEST
from tests.benchmarks.hub_files import kmmlu_copy, write_csv


def load(spec: dict[str, Any], **overrides: Any) -> Dataset:
    params = {**spec.get("dataset_params", {}), **overrides}
    extra = {k: spec[k] for k in ("subset", "column_map") if k in spec}
    return hret.load_dataset(spec["dataset"], **{**extra, **params})


def prompt_of(data: Dataset) -> BenchmarkPrompt:
    """hret's instruction-style prompt of ``data`` (the default is the reference's)."""
    prompt = data.select_prompt("instruct").prompt
    assert isinstance(prompt, BenchmarkPrompt)
    return prompt


def test_kmmlu_samples_categories_and_fewshot_split(tmp_path: Path) -> None:
    data = load(copies.kmmlu(tmp_path), subset=["korean_history", "Math"])
    assert [(s.id, s.input, s.reference, s.options, s.subset, s.category) for s in data] == [
        ("kmmlu/Korean-History/test/0", "조선을 세운 사람은?", "A", ("이성계", "왕건", "주몽", "온조"),
         "Korean-History", "HUMSS"),
        ("kmmlu/Korean-History/test/1", "한글을 만든 왕은?", "B", ("태조", "세종", "정조", "영조"),
         "Korean-History", "HUMSS"),
        # CSV cells stay as written: "1.50" is not turned into 1.5, "NA" not into null
        ("kmmlu/Math/test/0", "2 더하기 3은?", "B", ("4", "5", "6", "1.50"), "Math", "STEM"),
    ]
    assert data.samples[0].metadata["subject_name"] == "한국사"
    assert data.samples[0].metadata["Category"] == "HUMSS"
    assert data.split == "test" and data.default_method == "harness_match"
    assert data.select_prompt("instruct").default_method == "string_match"
    assert [(s.id, s.reference) for s in data.fewshot_pool] == [
        ("kmmlu/Korean-History/dev/0", "A"), ("kmmlu/Math/dev/0", "A")]
    assert data.fewshot_pool[1].options == ("2", "3", "4", "NA")
    assert data.info["headline"] == "accuracy_macro" and data.info["fewshot_split"] == "dev"
    assert "local copy of HAERAE-HUB/KMMLU" in data.info["source"]
    assert len({s for group in data.info["categories"].values() for s in group}) == 45


def test_kmmlu_other_split_and_errors(tmp_path: Path) -> None:
    root = str(tmp_path)
    copies.kmmlu(tmp_path)
    dev = hret.load_dataset("kmmlu", subset="Math", split="dev", data_dir=root)
    assert [s.input for s in dev] == ["1 더하기 1은?"] and dev.fewshot_pool == ()
    with pytest.raises(DatasetError, match="no subset 'Korean-Histroy'.*Did you mean 'Korean-History'"):
        hret.load_dataset("kmmlu", subset="Korean-Histroy", data_dir=root)
    with pytest.raises(DatasetError, match="no split 'validation'.*Splits: train, dev, test"):
        hret.load_dataset("kmmlu", split="validation", data_dir=root)
    with pytest.raises(DatasetError, match=r"no files for 'kmmlu' Biology/test.*data/Biology-test\.csv"):
        hret.load_dataset("kmmlu", subset="Biology", data_dir=root)
    with pytest.raises(DatasetError, match="does not take dataset_params \\['shots'\\]"):
        hret.load_dataset("kmmlu", subset="Math", data_dir=root, shots=5)
    with pytest.raises(DatasetError, match="is not a directory"):
        hret.load_dataset("kmmlu", data_dir=str(tmp_path / "missing"))


def test_kmmlu_hard_snake_case_configs(tmp_path: Path) -> None:
    root = kmmlu_copy(tmp_path / "KMMLU-HARD", {
        "Korean-History": {"test": HISTORY_TEST, "dev": HISTORY_DEV}}, hard=True)
    assert (root / "data" / "korean_history-test.csv").exists()
    data = hret.load_dataset("kmmlu-hard", subset="Korean-History", data_dir=str(root))
    assert [(s.id, s.reference, s.category) for s in data] == [
        ("kmmlu-hard/korean_history/test/0", "A", "HUMSS"),
        ("kmmlu-hard/korean_history/test/1", "B", "HUMSS")]
    assert data.info["headline"] == "accuracy_macro" and len(data.fewshot_pool) == 1


def test_haerae_1_1_options_from_column_or_query(tmp_path: Path) -> None:
    data = load(copies.haerae(tmp_path))
    first, second, third = data.samples
    assert isinstance(first.input, str) and first.input.endswith("(D) 사냥꾼") and "### 정답" not in first.input
    assert (first.reference, first.options) == ("A", ("누설꾼", "방해꾼", "구경꾼", "사냥꾼"))
    assert first.metadata["options_in_question"] is True
    assert (second.reference, len(second.options), second.metadata["options_in_question"]) == ("C", 5, False)
    assert third.options == ("1392년", "1446년", "1592년", "1910년", "1945년")
    assert (third.id, third.reference, third.subset) == ("haerae/history/test/0", "B", "history")
    assert data.info["version"] == "1.1" and data.fewshot_pool == ()
    # options the query already shows are not listed again; the others are
    rendered = [prompt_of(data).render(s) for s in data]
    assert rendered[0].count("누설꾼") == 1 and "A. 누설꾼" not in rendered[0]
    assert "E. 불" in rendered[1] and rendered[1].endswith("정답:")


def test_haerae_1_0_query_only(tmp_path: Path) -> None:
    data = load(copies.haerae_1_0(tmp_path))
    assert data.samples[0].options == ("제법 마음에 들 만하다", "몹시 춥다", "빠르다", "어둡다")
    assert data.samples[0].reference == "A" and data.info["repo"] == "HAERAE-HUB/HAE_RAE_BENCH"
    with pytest.raises(DatasetError, match="no version '2.0'"):
        hret.load_dataset("haerae", data_dir=str(tmp_path), version="2.0")


def test_click_categories_from_ids_and_all_options(tmp_path: Path) -> None:
    data = load(copies.click(tmp_path))
    by_id = {s.metadata["id"]: s for s in data}
    assert (by_id["KHB_12_3"].category, by_id["KHB_12_3"].subset) == ("Culture", "History")
    assert len(by_id["KHB_12_3"].options) == 5 and by_id["KHB_12_3"].reference == "A"
    assert (by_id["CSAT_korean_22_5"].category, by_id["CSAT_korean_22_5"].subset) == ("Language", "Textual")
    assert by_id["CSAT_korean_22_5"].input == "봄이 오면 꽃이 핀다.\n\n윗글의 계절은?"
    assert (by_id["TK_7_2"].subset, by_id["TK_7_2"].reference) == ("Grammar", "A")
    assert data.split == "train" and data.fewshot_pool == ()
    rendered = prompt_of(data).render(by_id["KHB_12_3"])
    assert "E. 궁예" in rendered and "A, B, C, D, E 중" in rendered
    only = hret.load_dataset("click", subset="History", data_dir=str(tmp_path))
    assert [s.metadata["id"] for s in only] == ["KHB_12_3"]


def test_kobest_tasks_as_multiple_choice(tmp_path: Path) -> None:
    data = load(copies.kobest(tmp_path))
    got = {s.subset: (s.input, s.options, s.reference) for s in data if s.id.endswith("/0")}
    assert got == {
        "boolq": ("서울은 한국의 수도이다.\n\n질문: 서울은 수도인가?", ("아니오", "예"), "B"),
        "copa": ("비가 왔다.\n위 문장의 결과로 가장 알맞은 것은?", ("우산을 썼다.", "선글라스를 썼다."), "A"),
        "hellaswag": ("그는 라면 물을 올렸다.\n다음에 이어질 내용으로 가장 알맞은 것은?",
                      ("물이 끓자 면을 넣었다.", "하늘을 날았다.", "잠을 잤다.", "노래했다."), "A"),
        "sentineg": ("이 영화는 재미없지 않았다.\n위 문장의 감정은 부정입니까, 긍정입니까?", ("부정", "긍정"), "B"),
        "wic": ("문장 1: 배가 아프다.\n문장 2: 배를 타고 갔다.\n두 문장에서 '배'의 의미가 같습니까?",
                ("아니오", "예"), "A"),
    }
    cause = next(s for s in data if s.id == "kobest/copa/test/1")
    assert cause.input == "바닥이 젖었다.\n위 문장의 원인으로 가장 알맞은 것은?" and cause.reference == "B"
    assert data.default_method == "macro_f1" and data.info["headline"] == "macro_f1"
    assert {s.id.split("/")[2] for s in data.fewshot_pool} == {"train"}


def test_kormedmcqa_fewshot_split(tmp_path: Path) -> None:
    data = load(copies.kormedmcqa(tmp_path))
    assert [(s.id, s.reference, len(s.options), s.subset) for s in data] == [
        ("kormedmcqa/doctor/test/0", "B", 5, "doctor"), ("kormedmcqa/doctor/test/1", "C", 5, "doctor")]
    assert [(s.id, s.input) for s in data.fewshot_pool] == [("kormedmcqa/doctor/fewshot/0", "콧물이 나는 병은?")]
    assert data.samples[0].metadata["year"] == 2023
    assert "한국 의사 국가시험" in prompt_of(data).render(data.samples[0])


def test_hrm8k_file_names_and_numeric_answers(tmp_path: Path) -> None:
    data = load(copies.hrm8k(tmp_path), subset=["GSM8K", "MMMLU"])
    assert [(s.id, s.input, s.reference, s.options) for s in data] == [
        ("hrm8k/GSM8K/test/0", "사과 3개와 5개를 더하면?", "8.0", ()),
        ("hrm8k/GSM8K/test/1", "12를 4로 나누면?", "3", ()),
        ("hrm8k/MMMLU/test/0", "1+1은? 1) 1 2) 2 3) 3 4) 4", "2", ())]
    assert data.default_method == "harness_match"
    assert data.select_prompt("instruct").default_method == "math_match"
    english = hret.load_dataset("hrm8k", subset="GSM8K", data_dir=str(tmp_path), language="en")
    assert english.samples[0].input == "3 apples plus 5?"
    assert "\\boxed{N}" in prompt_of(english).render(english.samples[0])


def test_benchhub_filters_and_answers(tmp_path: Path) -> None:
    root = str(tmp_path)
    data = load(copies.benchhub(tmp_path))
    assert [(s.subset, s.reference, s.options, s.category) for s in data] == [
        ("KoFood", "A", ("배추", "감자", "쌀"), "knowledge"),
        ("KoRead", "B", ("사과", "배"), "reasoning"),
        ("KoGeo", "서울", (), "knowledge")]
    assert data.samples[1].input == "철수는 사과를 샀다.\n\n철수가 산 것은?"
    assert data.samples[0].metadata["subject_type"] == "Culture/Food"
    culture = hret.load_dataset("benchhub", data_dir=root, subject_types=["culture"], target_types="LOCAL")
    assert [s.subset for s in culture] == ["KoFood", "KoGeo"]
    assert [s.subset for s in hret.load_dataset("benchhub", data_dir=root, subset="KoRead")] == ["KoRead"]
    with pytest.raises(DatasetError, match="no samples"):
        hret.load_dataset("benchhub", data_dir=root, benchmark_names=["KMMLU"])
    with pytest.raises(DatasetError, match="no chat form"):
        hret.load_dataset("benchhub", data_dir=root, chat=True)


def test_hf_any_dataset_through_a_column_map(tmp_path: Path) -> None:
    spec = copies.hf(tmp_path)
    with pytest.raises(DatasetError, match="needs column_map"):
        hret.load_dataset("hf", path="me/my-bench", data_dir=str(tmp_path))
    with pytest.raises(DatasetError, match="answer 0 is not an option"):
        load(spec, answer_base=1)
    data = load(spec)
    assert [(s.input, s.options, s.reference, s.category) for s in data] == [
        ("하늘은 무슨 색?", ("파랑", "빨강"), "A", "자연"), ("바다는 무슨 맛?", ("달다", "짜다"), "B", "자연")]
    assert data.name == "hf:me/my-bench" and data.split == "test"


def test_hf_configs_from_a_copied_readme(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "---\nconfigs:\n- config_name: easy\n  data_files:\n  - split: test\n    path: easy.csv\n"
        "- config_name: hard\n  data_files:\n  - split: test\n    path: hard.csv\n---\n",
        encoding="utf-8")
    write_csv(tmp_path / "easy.csv", [{"prompt": "1+1?", "target": "2"}])
    write_csv(tmp_path / "hard.csv", [{"prompt": "12*12?", "target": "144"}])
    data = hret.load_dataset("hf", path="me/repo", subset=["easy", "hard"], data_dir=str(tmp_path),
                             column_map={"input": "prompt", "reference": "target"})
    assert [(s.subset, s.input, s.reference) for s in data] == [("easy", "1+1?", "2"), ("hard", "12*12?", "144")]


def test_hf_prefix_names_the_hub_dataset(tmp_path: Path) -> None:
    write_csv(tmp_path / "test.csv", [{"prompt": "2+3?", "target": "5"}])
    data = hret.load_dataset("hf:me/plain", data_dir=str(tmp_path),
                             column_map={"input": "prompt", "reference": "target"})
    assert data.name == "hf:me/plain"
    assert [(s.input, s.reference) for s in data] == [("2+3?", "5")]
