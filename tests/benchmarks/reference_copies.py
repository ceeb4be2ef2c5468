"""Small copies of every benchmark in its hub repository's layout, with a
dataset card whose ``configs`` let ``datasets`` (and so lm-evaluation-harness,
run from the folder above them) read each config and split.

The items are written for these tests and hold the cells real files hold:
stray whitespace, quotes, commas, fractions, four and five options, a subject
with more dev items than few-shot examples. ``bench/crosscheck_lmeval.py`` runs
lm-eval on them; the literal prompts in ``test_bench_reference.py`` are lm-eval's.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def write_json(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def readme(path: Path, configs: dict[str, dict[str, str]]) -> None:
    """A dataset card whose ``configs`` tell ``datasets`` where each split is."""
    lines = ["---", "configs:"]
    for name, splits in configs.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        lines += [f"  - split: {split}\n    path: {file}" for split, file in splits.items()]
    path.mkdir(parents=True, exist_ok=True)
    (path / "README.md").write_text("\n".join(lines + ["---", ""]), encoding="utf-8")


def mcq(question: str, options: list[str], answer: int, **extra: Any) -> dict[str, Any]:
    row = {"question": question, "answer": answer}
    row.update({"ABCDE"[i]: o for i, o in enumerate(options)})
    row.update(extra)
    return row


KMMLU_ITEMS = {
    "Math": [
        mcq("  2 더하기 3은? ", ["4", " 5 ", "6", "1/2"], 2),
        mcq("분수 \"3/4\"를 소수로 쓰면?", ["0.75", "0,75", "3.4", "4/3"], 1),
        mcq("x + 1 = 3, x는?", ["1", "2", "3", "없음"], 2),
        mcq("10의 절반은?", ["2", "5", "\"다섯\"", "20"], 2),
        mcq("삼각형 내각의 합은?", ["90도", "180도", "270도", "360도"], 2),
        mcq("2의 세제곱은?", ["6", "8", "9", "1/8"], 2),
        mcq("1, 2, 3 중 가장 큰 수는?", ["1", "2", "3", "모두 같다"], 3),
        mcq("0.5와 같은 분수는?", ["1/2", "1/3", "2/3", "5/1"], 1),
    ],
    "Korean-History": [
        mcq("조선을 세운 사람은?", ["이성계", "왕건", "주몽", "온조"], 1),
        mcq("한글을 만든 왕은? ", ["태조", "세종", "정조", "영조"], 2),
        mcq("'고려'의 수도는?", ["개경", "한양, 서울", "경주", "평양"], 1),
        mcq("임진왜란이 일어난 해는?", ["1392년", "1592년", "1910년", "1945년"], 2),
        mcq("신라의 수도는?", ["경주", "부여", "공주", "개경"], 1),
        mcq("광복절은 몇 월 며칠?", ["3월 1일", "8월 15일", "10월 3일", "10월 9일"], 2),
        mcq("3·1 운동이 일어난 해는?", ["1919년", "1945년", "1950년", "1987년"], 1),
        mcq("\"훈민정음\" 반포 연도는?", ["1443년", "1446년", "1592년", "1392년"], 2),
    ],
}
KMMLU_DEV = {
    "Math": [  # more dev items than shots: the sampler's draws matter
        mcq("1 더하기 1은?", ["2", "3", "4", "1/2"], 1),
        mcq("3 곱하기 3은?", ["6", "9", "12", "1/3"], 2),
        mcq("10 빼기 4는?", ["5", "6", "7", "4/10"], 2),
        mcq("8 나누기 2는?", ["2", "4", "16", "2/8"], 2),
        mcq("5의 제곱은?", ["10", "25", "55", "1/5"], 2),
        mcq("100의 10분의 1은?", ["1", "10", "1,000", "1/10"], 2),
        mcq(" 7 더하기 0은?", ["0", "7", "70", "7/7"], 2),
    ],
    "Korean-History": [
        mcq("고구려를 세운 사람은?", ["주몽", "온조", "박혁거세", "왕건"], 1),
        mcq("백제의 시조는?", ["주몽", "온조", "김수로", "궁예"], 2),
        mcq("세종의 업적은?", ["훈민정음 창제", "고려 건국", "임진왜란", "갑오개혁"], 1),
        mcq("대한민국 정부 수립 연도는?", ["1945년", "1948년", "1950년", "1953년"], 2),
        mcq("'직지'가 인쇄된 왕조는?", ["고려", "조선", "신라", "백제"], 1),
    ],
}


def kmmlu_copy(root: Path, hard: bool = False) -> Path:
    repo = root / "HAERAE-HUB" / ("KMMLU-HARD" if hard else "KMMLU")
    configs = {}
    for subject in KMMLU_ITEMS:
        name = subject.lower().replace("-", "_") if hard else subject
        splits = {}
        for split, items in (("test", KMMLU_ITEMS[subject]), ("dev", KMMLU_DEV[subject])):
            rows = [{**r, "Category": "test", "Human Accuracy": 0.5} for r in items]
            write_csv(repo / "data" / f"{name}-{split}.csv", rows)
            splits[split] = f"data/{name}-{split}.csv"
        configs[name] = splits
    readme(repo, configs)
    return repo


def haerae_query(question: str, options: list[str]) -> str:
    shown = "\n".join(f"({'ABCDE'[i]}) {o}" for i, o in enumerate(options))
    return f"### 질문: {question}\n### 선택지:\n{shown}\n### 정답:"


HAERAE_ITEMS = {
    "general_knowledge": [
        (haerae_query("김치의 주재료는?", ["배추", "감자", "쌀", "밀", "콩"]), "(A)"),
        (haerae_query("설날에 먹는 음식은?", ["떡국", "송편", "팥죽", "냉면"]), "(A)"),
        (haerae_query("한국의 국화는? ", ["장미", "무궁화", "진달래", "개나리"]), "(B)"),
        (haerae_query("\"태극기\"의 가운데 무늬는?", ["태극", "별", "달", "해", "꽃"]), "(A)"),
        (haerae_query("한국의 수도는?", ["부산", "대구", "서울, 특별시", "인천"]), "(C)"),
        (haerae_query("추석에 먹는 떡은?", ["송편", "백설기", "인절미", "가래떡"]), "(A)"),
        (haerae_query("한국 전통 옷은?", ["기모노", "한복", "치파오", "사리", "킬트"]), "(B)"),
        ("  한국의 화폐 단위는? (A) 엔 (B) 원 (C) 위안 (D) 달러  ", "(B)"),
    ],
    "history": [
        (haerae_query("훈민정음을 반포한 해는?", ["1392년", "1446년", "1592년", "1910년", "1945년"]), "(B)"),
        (haerae_query("고려를 세운 사람은?", ["왕건", "이성계", "궁예", "견훤"]), "(A)"),
        (haerae_query("임진왜란 때의 장군은?", ["이순신", "강감찬", "을지문덕", "김유신"]), "(A)"),
        (haerae_query("조선의 마지막 왕조 국호는?", ["대한제국", "고려", "발해", "가야"]), "(A)"),
        (haerae_query("3/4 분기의 의미는?", ["1분기", "2분기", "3분기", "4분기"]), "(C)"),
        (haerae_query("광개토대왕은 어느 나라 왕?", ["백제", "신라", "고구려", "가야", "발해"]), "(C)"),
        (haerae_query("'직지심체요절'의 시대는?", ["고려", "조선", "신라", "백제"]), "(A)"),
        (haerae_query("6·25 전쟁이 시작된 해는?", ["1945년", "1948년", "1950년", "1953년"]), "(C)"),
    ],
}


def haerae_copy(root: Path) -> Path:
    repo = root / "HAERAE-HUB" / "HAE_RAE_BENCH"
    configs = {}
    for config, items in HAERAE_ITEMS.items():
        write_parquet(repo / config / "test-00000-of-00001.parquet",
                      [{"query": q, "answer": a} for q, a in items])
        configs[config] = {"test": f"{config}/test-00000-of-00001.parquet"}
    readme(repo, configs)
    return repo


CLICK_ITEMS = [
    # Culture / History: ids with KHB
    ("KHB_1_1", "", "고구려를 세운 사람은?", ["주몽", "온조", "박혁거세", "왕건"], "주몽"),
    ("KHB_1_2", "고려는 918년에 세워졌다.", "고려를 세운 사람은?", ["궁예", "왕건", "견훤", "이성계"], "왕건"),
    ("KHB_2_3", "", "조선의 수도는?", [" 한양 ", "개경", "경주", "평양"], " 한양 "),
    ("KHB_2_4", "", "\"경국대전\"을 완성한 왕은?", ["세조", "성종", "태종", "세종"], "성종"),
    ("KHB_3_5", "", "신라의 삼국 통일 연도는?", ["676년", "668년", "660년", "935년"], "676년"),
    ("KHB_3_6", "", "발해를 세운 사람은?", ["대조영", "주몽", "왕건", "궁예"], "대조영"),
    ("KHB_4_7", "", "거북선을 만든 장군은?", ["이순신", "권율", "곽재우", "김시민"], "이순신"),
    # Language / Textual: CSAT_korean_22_* (five options) and TK_*_n with n > 4
    ("CSAT_korean_22_1", "봄이 오면 꽃이 핀다.", "윗글의 계절은?", ["봄", "여름", "가을", "겨울", "없음"], "봄"),
    ("CSAT_korean_22_2", "비가 온다, 그래서 우산을 쓴다.", "윗글의 날씨는?",
     ["맑음", "비", "눈", "바람", "안개"], "비"),
    ("CSAT_korean_22_3", "", "'먹었다'의 시제는?", ["과거", "현재", "미래", "없음", "모름"], "과거"),
    ("TK_1_5", "", "'아름답다'의 품사는?", ["명사", "동사", "형용사", "부사"], "형용사"),
    ("TK_1_6", "", "'빨리'의 품사는?", ["명사", "동사", "형용사", "부사"], "부사"),
    ("TK_2_7", "", "'하늘'의 품사는?", ["명사", "동사", "형용사", "부사"], "명사"),
    ("TK_2_8", "", "'달리다'의 품사는?", ["명사", "동사", "형용사", "부사"], "동사"),
]


def click_copy(root: Path) -> Path:
    repo = root / "EunsuKim" / "CLIcK"
    rows = [{"id": i, "paragraph": p, "question": q, "choices": c, "answer": a}
            for i, p, q, c, a in CLICK_ITEMS]
    culture = [r for r in rows if r["id"].startswith("KHB")]
    language = [r for r in rows if not r["id"].startswith("KHB")]
    write_json(repo / "Dataset" / "Culture" / "History" / "History_KHB.json", culture)
    write_json(repo / "Dataset" / "Language" / "Textual" / "Textual_CSAT.json", language)
    readme(repo, {"default": {"train": "Dataset/*/*/*.json"}})
    return repo


KOBEST_ITEMS: dict[str, list[dict[str, Any]]] = {
    "boolq": [
        {"paragraph": "서울은 한국의 수도이다.", "question": "서울은 수도인가?", "label": 1},
        {"paragraph": "고래는 포유류이다, 물고기가 아니다.", "question": "고래는 어류인가?", "label": 0},
        {"paragraph": " 물은 100도에서 끓는다. ", "question": "물은 50도에서 끓는가?", "label": 0},
        {"paragraph": "\"한강\"은 서울을 지난다.", "question": "한강은 서울을 지나는가?", "label": 1},
        {"paragraph": "지구는 태양을 돈다.", "question": "지구는 태양을 도는가?", "label": 1},
        {"paragraph": "펭귄은 날지 못한다.", "question": "펭귄은 나는가?", "label": 0},
    ],
    "copa": [
        {"premise": "비가 왔다.", "question": "결과", "alternative_1": "우산을 썼다.",
         "alternative_2": "선글라스를 썼다.", "label": 0},
        {"premise": "바닥이 젖었다.", "question": "원인", "alternative_1": "해가 떴다.",
         "alternative_2": "물을 쏟았다.", "label": 1},
        {"premise": "배가 고팠다.", "question": "결과", "alternative_1": "밥을 먹었다.",
         "alternative_2": "잠을 잤다.", "label": 0},
        {"premise": "그는 웃었다.", "question": "원인", "alternative_1": "슬픈 소식을 들었다.",
         "alternative_2": "농담을 들었다, 재미있는.", "label": 1},
        {"premise": "눈이 왔다.", "question": "결과", "alternative_1": "눈사람을 만들었다.",
         "alternative_2": "수영을 했다.", "label": 0},
        {"premise": "길이 막혔다.", "question": "원인", "alternative_1": "사고가 났다.",
         "alternative_2": "날씨가 좋았다.", "label": 0},
    ],
    "hellaswag": [
        {"context": "그는 라면 물을 올렸다.", "ending_1": "물이 끓자 면을 넣었다.", "ending_2": "하늘을 날았다.",
         "ending_3": "잠을 잤다.", "ending_4": "노래했다.", "label": 0},
        {"context": "그녀는 운동화를 신었다.", "ending_1": "요리를 했다.", "ending_2": "달리기를 시작했다.",
         "ending_3": "\"책\"을 읽었다.", "ending_4": "잠을 잤다.", "label": 1},
        {"context": "아이가 공을 찼다.", "ending_1": "공이 날아갔다.", "ending_2": "공이 노래했다.",
         "ending_3": "공이 먹었다.", "ending_4": "공이 잤다.", "label": 0},
        {"context": "비가 그쳤다.", "ending_1": "우산을 폈다.", "ending_2": "무지개가 떴다, 하늘에.",
         "ending_3": "눈이 왔다.", "ending_4": "밤이 됐다.", "label": 1},
        {"context": "그는 문을 열었다.", "ending_1": "밖으로 나갔다.", "ending_2": "물을 마셨다.",
         "ending_3": "노래했다.", "ending_4": "날았다.", "label": 0},
        {"context": "시험이 끝났다.", "ending_1": "시험을 봤다.", "ending_2": "공부를 시작했다.",
         "ending_3": "집에 갔다.", "ending_4": "문제를 풀었다.", "label": 2},
    ],
    "sentineg": [
        {"sentence": "이 영화는 재미없지 않았다.", "label": 1},
        {"sentence": "음식이 맛없었다.", "label": 0},
        {"sentence": "\"최고\"의 하루였다.", "label": 1},
        {"sentence": " 다시는 안 갈 거다. ", "label": 0},
        {"sentence": "서비스가 친절했다, 정말로.", "label": 1},
        {"sentence": "너무 비쌌다.", "label": 0},
    ],
    "wic": [
        {"word": "배", "context_1": "배가 아프다.", "context_2": "배를 타고 갔다.", "label": 0},
        {"word": "눈", "context_1": "눈이 온다.", "context_2": "눈이 내린다.", "label": 1},
        {"word": "말", "context_1": "말을 탔다.", "context_2": "말을 했다.", "label": 0},
        {"word": "밤", "context_1": "밤이 깊었다.", "context_2": "밤을 새웠다.", "label": 1},
        {"word": "차", "context_1": "차를 마셨다.", "context_2": "차를 운전했다.", "label": 0},
        {"word": "손", "context_1": "손을 씻었다.", "context_2": "손이 크다, 정말.", "label": 1},
    ],
}


def kobest_copy(root: Path) -> Path:
    repo = root / "skt" / "kobest_v1"
    configs = {}
    for task, rows in KOBEST_ITEMS.items():
        write_jsonl(repo / task / "test.jsonl", rows)
        # train: the same items in another order, so few-shot texts are real items
        write_jsonl(repo / task / "train.jsonl", rows[::-1])
        write_jsonl(repo / task / "validation.jsonl", rows[:2])
        configs[task] = {s: f"{task}/{s}.jsonl" for s in ("train", "validation", "test")}
    readme(repo, configs)
    return repo


def medical(question: str, options: list[str], answer: int) -> dict[str, Any]:
    return {"subject": "doctor", "year": 2023, "period": 1, "q_number": 1, "question": question,
            **{"ABCDE"[i]: o for i, o in enumerate(options)}, "answer": answer, "cot": ""}


KORMEDMCQA_ITEMS = {
    "doctor": [
        medical("기침과 고열이 나는 병은? ", ["감기", "폐렴", "천식", "결핵", "독감"], 2),
        medical("숨이 차고 쌕쌕거리는 병은?", ["감기", "폐렴", "천식", "결핵", "독감"], 3),
        medical("\"혈당\"이 높은 병은?", ["당뇨병", "고혈압", "빈혈", "위염", "장염"], 1),
        medical("혈압이 140/90 이상인 병은?", ["당뇨병", "고혈압", "빈혈", "위염", "장염"], 2),
        medical("철분이 부족한 병은?", ["당뇨병", "고혈압", "빈혈, 철결핍성", "위염", "장염"], 3),
        medical("가슴 통증이 있는 병은?", ["협심증", "편두통", "요통", "치통", "근육통"], 1),
    ],
    "nurse": [
        medical("손 씻기의 목적은?", ["감염 예방", "체온 상승", "혈압 상승", "통증", "식욕"], 1),
        medical("정상 체온은?", ["35도", "36.5도", "38도", "39도", "40도"], 2),
        medical("욕창 예방법은?", ["자세 변경", "금식", "수면", "운동 금지", "약물"], 1),
        medical("1/2 용량은?", ["절반", "두 배", "세 배", "네 배", "없음"], 1),
        medical("맥박 측정 부위는?", ["요골동맥", "정맥", "모세혈관", "림프", "피부"], 1),
        medical(" 산소 포화도 정상은?", ["80%", "85%", "95% 이상", "70%", "60%"], 3),
    ],
}
KORMEDMCQA_SHOTS = {
    exam: [medical(f"예시 문제 {i}: {q}", ["가", "나", "다", "라", "마"], 1 + i % 5)
           for i, q in enumerate(["콧물이 나는 병은?", "열이 나는 병은?", "배가 아픈 병은?",
                                  "머리가 아픈 병은?", "눈이 아픈 병은?", "귀가 아픈 병은?"])]
    for exam in KORMEDMCQA_ITEMS
}


def kormedmcqa_copy(root: Path) -> Path:
    repo = root / "sean0042" / "KorMedMCQA"
    configs = {}
    for exam, rows in KORMEDMCQA_ITEMS.items():
        write_parquet(repo / exam / "test-00000-of-00001.parquet", rows)
        write_parquet(repo / exam / "fewshot-00000-of-00001.parquet", KORMEDMCQA_SHOTS[exam])
        configs[exam] = {s: f"{exam}/{s}-00000-of-00001.parquet" for s in ("test", "fewshot")}
    readme(repo, configs)
    return repo


HRM8K_ITEMS = {
    "GSM8K": [("사과 3개와 5개를 더하면?", "8.0"), ("12를 4로 나누면? ", "3"),
              ("\"10\"의 두 배는?", "20"), ("1,000 빼기 1은?", "999")],
    "MATH": [("x/4 = 1/8일 때 x는?", "0.5"), ("2^10은?", "1024"), ("3/4 + 1/4는?", "1"),
             ("$\\sqrt{16}$은?", "4")],
    "MMMLU": [("1+1은? 1) 1 2) 2 3) 3 4) 4", "2"), ("3×3은? 1) 6 2) 9 3) 12 4) 3", "2"),
              ("10-7은? 1) 3 2) 4 3) 5 4) 7", "1"), ("2의 제곱은? 1) 2 2) 8 3) 4 4) 16", "3")],
}
HRM8K_FILES = {"GSM8K": "gsm8k", "MATH": "math_do", "MMMLU": "mmmlu"}


def hrm8k_copy(root: Path) -> Path:
    repo = root / "HAERAE-HUB" / "HRM8K"
    configs = {}
    for config, items in HRM8K_ITEMS.items():
        file = f"HRM8K/{HRM8K_FILES[config]}_test.csv"
        write_csv(repo / file, [{"question": q, "answer": a, "original": q, "solution": "",
                                 "source": "test"} for q, a in items])
        configs[config] = {"test": file}
    readme(repo, configs)
    return repo


def build_copies(root: Path) -> None:
    kmmlu_copy(root)
    kmmlu_copy(root, hard=True)
    haerae_copy(root)
    click_copy(root)
    kobest_copy(root)
    kormedmcqa_copy(root)
    hrm8k_copy(root)
