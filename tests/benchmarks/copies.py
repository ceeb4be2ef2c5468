"""Small local copies of every benchmark, in each hub repository's layout.

Each ``*_copy(root)`` writes original, trivial Korean items under ``root`` and
returns the ``hret.load_dataset`` keyword arguments that read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.benchmarks.hub_files import (
    kmmlu_copy,
    kmmlu_row,
    write_csv,
    write_json,
    write_jsonl,
    write_parquet,
)

Spec = dict[str, Any]

HISTORY_TEST = [
    kmmlu_row("조선을 세운 사람은?", ["이성계", "왕건", "주몽", "온조"], 1),
    kmmlu_row("한글을 만든 왕은?", ["태조", "세종", "정조", "영조"], 2),
]
HISTORY_DEV = [kmmlu_row("고려의 수도는?", ["개경", "한양", "경주", "평양"], 1)]
MATH_TEST = [kmmlu_row("2 더하기 3은?", ["4", "5", "6", "1.50"], 2, category="STEM")]
MATH_DEV = [kmmlu_row("1 더하기 1은?", ["2", "3", "4", "NA"], 1, category="STEM")]
LAW_TEST = [
    kmmlu_row("헌법을 개정할 때 필요한 것은?", ["대통령 단독 결정", "법원 판결", "국민투표", "장관 지시"], 3),
    kmmlu_row("민법이 다루는 것은?", ["사인 간의 관계", "범죄와 형벌", "세금", "선거"], 1),
    kmmlu_row("형법의 기본 원칙은?", ["관습 우선", "소급 처벌", "유추 해석", "죄형법정주의"], 4),
]
LAW_DEV = [kmmlu_row("법률을 만드는 기관은?", ["국회", "법원", "검찰", "경찰"], 1)]


def kmmlu(root: Path) -> Spec:
    kmmlu_copy(root, {"Korean-History": {"test": HISTORY_TEST, "dev": HISTORY_DEV},
                      "Math": {"test": MATH_TEST, "dev": MATH_DEV},
                      "Law": {"test": LAW_TEST, "dev": LAW_DEV}})
    return {"dataset": "kmmlu", "subset": ["Korean-History", "Math", "Law"],
            "dataset_params": {"data_dir": str(root)}}


def kmmlu_hard(root: Path) -> Spec:
    kmmlu_copy(root, {"Korean-History": {"test": HISTORY_TEST, "dev": HISTORY_DEV}}, hard=True)
    return {"dataset": "kmmlu-hard", "subset": "korean_history", "dataset_params": {"data_dir": str(root)}}


def haerae(root: Path) -> Spec:
    write_parquet(root / "loan_words" / "test" / "0000.parquet", [
        {"query": "다음 외래어의 순화어로 알맞은 것은?\n'스포일러'\n"
                  "(A) 누설꾼 (B) 방해꾼 (C) 구경꾼 (D) 사냥꾼\n### 정답:",
         "answer": "(A)", "options": "['누설꾼', '방해꾼', '구경꾼', '사냥꾼']"},
        {"query": "'가랑비에 옷 젖는 줄 모른다'와 뜻이 비슷한 것은?",
         "answer": "C", "options": "티끌|모래|작은 것이 쌓여 큰 것이 된다|물|불"},
    ])
    write_parquet(root / "history" / "test" / "0000.parquet", [
        {"query": "훈민정음을 반포한 해는?\n(A) 1392년\n(B) 1446년\n(C) 1592년\n(D) 1910년\n(E) 1945년",
         "answer": "(B)", "options": None},
    ])
    return {"dataset": "haerae", "subset": ["loan_words", "history"], "dataset_params": {"data_dir": str(root)}}


def haerae_1_0(root: Path) -> Spec:
    write_parquet(root / "rare_words" / "test-00000-of-00001.parquet", [
        {"query": "'마뜩하다'의 뜻은?\n(A) 제법 마음에 들 만하다\n(B) 몹시 춥다\n(C) 빠르다\n(D) 어둡다",
         "answer": "(A)"},
    ])
    return {"dataset": "haerae", "subset": "rare_words",
            "dataset_params": {"data_dir": str(root), "version": "1.0"}}


def click(root: Path) -> Spec:
    write_json(root / "Dataset" / "Culture" / "History" / "History_KHB.json", [
        {"id": "KHB_12_3", "paragraph": "", "question": "고구려를 세운 사람은?",
         "choices": ["주몽", "온조", "박혁거세", "왕건", "궁예"], "answer": "주몽"},
    ])
    write_json(root / "Dataset" / "Language" / "Textual" / "Textual_CSAT.json", [
        {"id": "CSAT_korean_22_5", "paragraph": "봄이 오면 꽃이 핀다.", "question": "윗글의 계절은?",
         "choices": ["봄", "여름", "가을", "겨울"], "answer": "봄"},
        {"id": "TK_7_2", "paragraph": "", "question": "'먹었다'의 시제는?",
         "choices": ["과거", "현재", "미래", "없음"], "answer": "과거"},
    ])
    return {"dataset": "click", "dataset_params": {"data_dir": str(root)}}


KOBEST_ROWS = {
    "boolq": [{"paragraph": "서울은 한국의 수도이다.", "question": "서울은 수도인가?", "label": 1},
              {"paragraph": "고래는 포유류이다.", "question": "고래는 어류인가?", "label": 0}],
    "copa": [{"premise": "비가 왔다.", "question": "결과", "alternative_1": "우산을 썼다.",
              "alternative_2": "선글라스를 썼다.", "label": 0},
             {"premise": "바닥이 젖었다.", "question": "원인", "alternative_1": "해가 떴다.",
              "alternative_2": "물을 쏟았다.", "label": 1}],
    "hellaswag": [{"context": "그는 라면 물을 올렸다.", "ending_1": "물이 끓자 면을 넣었다.",
                   "ending_2": "하늘을 날았다.", "ending_3": "잠을 잤다.", "ending_4": "노래했다.",
                   "label": 0}],
    "sentineg": [{"sentence": "이 영화는 재미없지 않았다.", "label": 1},
                 {"sentence": "음식이 맛없었다.", "label": 0}],
    "wic": [{"word": "배", "context_1": "배가 아프다.", "context_2": "배를 타고 갔다.", "label": 0}],
}


def kobest(root: Path) -> Spec:
    for task, rows in KOBEST_ROWS.items():
        write_jsonl(root / task / "test.jsonl", rows)
        write_jsonl(root / task / "train.jsonl", rows)
    return {"dataset": "kobest", "dataset_params": {"data_dir": str(root)}}


def medical_row(question: str, answer: int, exam: str = "doctor") -> dict[str, Any]:
    return {"subject": exam, "year": 2023, "period": 1, "q_number": 1, "question": question,
            "A": "감기", "B": "폐렴", "C": "천식", "D": "결핵", "E": "독감", "answer": answer,
            "cot": ""}


def kormedmcqa(root: Path) -> Spec:
    write_parquet(root / "doctor" / "test-00000-of-00001.parquet",
                  [medical_row("기침과 고열이 나는 병은?", 2), medical_row("숨이 차고 쌕쌕거리는 병은?", 3)])
    write_parquet(root / "doctor" / "fewshot-00000-of-00001.parquet", [medical_row("콧물이 나는 병은?", 1)])
    return {"dataset": "kormedmcqa", "subset": "doctor", "dataset_params": {"data_dir": str(root)}}


def hrm8k(root: Path) -> Spec:
    write_csv(root / "HRM8K" / "gsm8k_test.csv", [
        {"question": "사과 3개와 5개를 더하면?", "answer": "8.0", "original": "3 apples plus 5?"},
        {"question": "12를 4로 나누면?", "answer": "3", "original": "12 divided by 4?"}])
    write_csv(root / "HRM8K" / "math_do_test.csv", [
        {"question": "x/4 = 1/8일 때 x는?", "answer": "0.5", "original": "x/4 = 1/8, x?"}])
    write_csv(root / "HRM8K" / "mmmlu_test.csv", [
        {"question": "1+1은? 1) 1 2) 2 3) 3 4) 4", "answer": "2", "original": "1+1? ..."}])
    return {"dataset": "hrm8k", "subset": ["GSM8K", "MATH", "MMMLU"], "dataset_params": {"data_dir": str(root)}}


BENCHHUB_ROWS = [
    {"problem_type": "MCQA", "context": "", "prompt": "김치의 주재료는?", "options": ["배추", "감자", "쌀"],
     "answer": "배추", "task_type": "knowledge", "target_type": "local",
     "subject_type": ["Culture/Food"], "benchmark_name": "KoFood"},
    {"problem_type": "MCQA", "context": "철수는 사과를 샀다.", "prompt": "철수가 산 것은?",
     "options": ["사과", "배"], "answer": "B", "task_type": "reasoning", "target_type": "general",
     "subject_type": ["HASS/Economics"], "benchmark_name": "KoRead"},
    {"problem_type": "open-ended", "context": "", "prompt": "대한민국의 수도는?", "options": [],
     "answer": "서울", "task_type": "knowledge", "target_type": "local",
     "subject_type": ["Culture/Geography"], "benchmark_name": "KoGeo"},
]


def benchhub(root: Path) -> Spec:
    write_parquet(root / "data" / "train-00000-of-00001.parquet", BENCHHUB_ROWS)
    return {"dataset": "benchhub", "dataset_params": {"data_dir": str(root)}}


def hf(root: Path) -> Spec:
    write_parquet(root / "data" / "test-00000-of-00001.parquet", [
        {"q": "하늘은 무슨 색?", "choices": ["파랑", "빨강"], "gold": 0, "topic": "자연"},
        {"q": "바다는 무슨 맛?", "choices": ["달다", "짜다"], "gold": 1, "topic": "자연"}])
    return {"dataset": "hf", "column_map": {"input": "q", "options": "choices", "reference": "gold",
                                            "category": "topic"},
            "dataset_params": {"path": "me/my-bench", "data_dir": str(root), "answer_base": 0}}


#: every multiple-choice copy, by a test id
MULTIPLE_CHOICE = {"kmmlu": kmmlu, "kmmlu-hard": kmmlu_hard, "haerae": haerae,
                   "haerae-1.0": haerae_1_0, "click": click, "kobest": kobest,
                   "kormedmcqa": kormedmcqa, "hf": hf}
