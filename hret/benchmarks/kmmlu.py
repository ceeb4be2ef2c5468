"""KMMLU and KMMLU-HARD: 45 subjects of Korean expert exams, four options each.

The paper's headline is the macro average over subjects (``accuracy_macro``);
the micro average over questions (``accuracy``) is reported beside it. Each
subject belongs to one of four categories (STEM, Applied Science, HUMSS,
Other); the static map below is the one the benchmark's subject groups use,
kept here because the rows' own ``Category`` column holds finer labels.
"""

from __future__ import annotations

from typing import Any

from hret.benchmarks.common import Benchmark, load_benchmark, subset_key, with_rows
from hret.benchmarks.harness import LM_EVAL, HarnessPrompt
from hret.benchmarks.hub import HUB, HubData
from hret.datasets import Dataset
from hret.datasets.files import multiple_choice_samples
from hret.prompts.reference import BenchmarkPrompt
from hret.registry import requires
from hret.sample import Sample

CATEGORIES: dict[str, tuple[str, ...]] = {
    "STEM": (
        "Biology", "Chemical-Engineering", "Chemistry", "Civil-Engineering", "Computer-Science",
        "Ecology", "Electrical-Engineering", "Information-Technology", "Materials-Engineering",
        "Math", "Mechanical-Engineering",
    ),
    "Applied Science": (
        "Aviation-Engineering-and-Maintenance", "Electronics-Engineering", "Energy-Management",
        "Environmental-Science", "Gas-Technology-and-Engineering", "Geomatics",
        "Industrial-Engineer", "Machine-Design-and-Manufacturing", "Maritime-Engineering",
        "Nondestructive-Testing", "Railway-and-Automotive-Engineering",
        "Telecommunications-and-Wireless-Technology",
    ),
    "HUMSS": (
        "Accounting", "Criminal-Law", "Economics", "Education", "Korean-History", "Law",
        "Management", "Political-Science-and-Sociology", "Psychology", "Social-Welfare",
        "Taxation",
    ),
    "Other": (
        "Agricultural-Sciences", "Construction", "Fashion", "Food-Processing", "Health",
        "Interior-Architecture-and-Design", "Marketing", "Patent", "Public-Safety", "Real-Estate",
        "Refrigerating-Machinery",
    ),
}
SUBJECTS: tuple[str, ...] = tuple(sorted(s for group in CATEGORIES.values() for s in group))
CATEGORY_OF: dict[str, str] = {subset_key(s): c for c, group in CATEGORIES.items() for s in group}

#: subject names as the prompt says them
KOREAN_NAMES = {
    "Accounting": "회계", "Agricultural-Sciences": "농업과학",
    "Aviation-Engineering-and-Maintenance": "항공공학 및 정비", "Biology": "생물학",
    "Chemical-Engineering": "화학공학", "Chemistry": "화학", "Civil-Engineering": "토목공학",
    "Computer-Science": "컴퓨터과학", "Construction": "건설", "Criminal-Law": "형법",
    "Ecology": "생태학", "Economics": "경제학", "Education": "교육학",
    "Electrical-Engineering": "전기공학", "Electronics-Engineering": "전자공학",
    "Energy-Management": "에너지관리", "Environmental-Science": "환경과학", "Fashion": "패션",
    "Food-Processing": "식품가공", "Gas-Technology-and-Engineering": "가스기술 및 공학",
    "Geomatics": "측량학", "Health": "보건", "Industrial-Engineer": "산업공학",
    "Information-Technology": "정보기술", "Interior-Architecture-and-Design": "실내건축 및 디자인",
    "Korean-History": "한국사", "Law": "법학", "Machine-Design-and-Manufacturing": "기계설계 및 제조",
    "Management": "경영학", "Maritime-Engineering": "해양공학", "Marketing": "마케팅",
    "Materials-Engineering": "재료공학", "Math": "수학", "Mechanical-Engineering": "기계공학",
    "Nondestructive-Testing": "비파괴검사", "Patent": "특허",
    "Political-Science-and-Sociology": "정치학 및 사회학", "Psychology": "심리학",
    "Public-Safety": "공공안전", "Railway-and-Automotive-Engineering": "철도 및 자동차공학",
    "Real-Estate": "부동산", "Refrigerating-Machinery": "냉동기계", "Social-Welfare": "사회복지",
    "Taxation": "세무", "Telecommunications-and-Wireless-Technology": "통신 및 무선기술",
}
KOREAN_NAME_OF = {subset_key(k): v for k, v in KOREAN_NAMES.items()}

def kmmlu_text(sample: Sample) -> str:
    row = sample.metadata["row"]
    return (f"{str(row['question']).strip()}\nA. {row['A']}\nB. {row['B']}\nC. {row['C']}\n"
            f"D. {row['D']}\n정답：")


def reference_prompt(task: str) -> HarnessPrompt:
    """lm-eval's ``kmmlu`` (log-likelihood) and ``kmmlu_direct`` (generative)
    tasks share this prompt; generation stops where ``kmmlu_direct`` stops."""
    return HarnessPrompt(
        text="{{question.strip()}}\nA. {{A}}\nB. {{B}}\nC. {{C}}\nD. {{D}}\n정답：",
        name=f"lm-eval:{task}", doc_to_text=kmmlu_text, choices=lambda s: ["A", "B", "C", "D"],
        reference=f"{LM_EVAL} {task} v2.0 (generative: {task.replace('kmmlu', 'kmmlu_direct')} v2.0)",
        generation={"stop": ["Q:", "\n\n", "</s>", "."], "max_new_tokens": 256},
    )


PROMPT = BenchmarkPrompt.build(
    "kmmlu-generative",
    "다음은 {subject} 분야의 객관식 문제입니다. {labels} 중 정답을 하나 고르세요. "
    "풀이를 쓰더라도 마지막 줄에는 반드시 '정답: X' 형식으로 답하세요.",
)


def convert(rows: list[dict[str, Any]], *, name: str, config: str | None,
            split: str) -> list[Sample]:
    """Rows with question, A-D and a 1-based answer -> samples of one subject."""
    assert config is not None
    key = subset_key(config)
    enriched = [{**row, "question": str(row["question"]).strip(), "subject": config,
                 "subject_category": CATEGORY_OF[key], "subject_name": KOREAN_NAME_OF[key]}
                for row in rows]
    return with_rows(multiple_choice_samples(
        enriched, name=name, split=split, source=f"{name}/{config}/{split}",
        subset_key="subject", category_key="subject_category",
    ), rows)


KMMLU = Benchmark(
    name="kmmlu",
    hub=HubData("HAERAE-HUB/KMMLU", ("data/{config}-{split}.csv",)),
    configs=SUBJECTS,
    splits=("train", "dev", "test"),
    eval_split="test",
    fewshot_split="dev",
    convert=convert,
    prompt=PROMPT,
    reference=reference_prompt("kmmlu"),
    reference_method="harness_match",
    reference_likelihood={},
    headline="accuracy_macro",
    info={"headline_note": "macro average over subjects, as in the KMMLU paper; "
                           "'accuracy' is the micro average over questions",
          "categories": {c: list(group) for c, group in CATEGORIES.items()}},
)

KMMLU_HARD = Benchmark(
    name="kmmlu-hard",
    hub=HubData("HAERAE-HUB/KMMLU-HARD", ("data/{config}-{split}.csv",)),
    configs=tuple(s.lower().replace("-", "_") for s in SUBJECTS),
    splits=("dev", "test"),
    eval_split="test",
    fewshot_split="dev",
    convert=convert,
    prompt=PROMPT,
    reference=reference_prompt("kmmlu_hard"),
    reference_method="harness_match",
    reference_likelihood={},
    headline="accuracy_macro",
    info=KMMLU.info,
)


@requires(HUB)
def load_kmmlu(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """KMMLU (``HAERAE-HUB/KMMLU``): subsets are the 45 subjects (``Korean-History``...)."""
    return load_benchmark(KMMLU, split=split, subset=subset, **params)


@requires(HUB)
def load_kmmlu_hard(*, split: str | None = None, subset: Any = None, **params: Any) -> Dataset:
    """KMMLU-HARD (``HAERAE-HUB/KMMLU-HARD``): the same subjects in snake_case."""
    return load_benchmark(KMMLU_HARD, split=split, subset=subset, **params)
