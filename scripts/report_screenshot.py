"""Render the report of three models over two runs on the bundled Korean sample
and take a screenshot of it with headless Chromium (docs/report.png, linked from the README).

    python scripts/report_screenshot.py [OUT_DIR]

Needs Debian's ``chromium`` and, for the Korean text, ``fonts-noto-cjk``.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import hret
from hret.report import write_html
from hret.store import HistoryStore, read_results

ROOT = Path(__file__).resolve().parents[1]
#: per run, the subjects each model gets wrong and its typical latency (s)
RUNS = {
    "nightly-2026-11-20": {"baseline": ({"Math"}, 0.004), "candidate": ({"Math", "Law", "Economics"}, 0.002),
                           "<lambda>": ({"Law", "Health", "Economics", "Chemistry", "Math"}, 0.001)},
    "nightly-2026-11-27": {"baseline": (set(), 0.004), "candidate": ({"Math", "Law"}, 0.002),
                           "<lambda>": ({"Law", "Health", "Economics", "Chemistry"}, 0.001)},
}


def model(wrong: set[str], latency: float, seed: int) -> Callable[[str], str]:
    """Right except on ``wrong`` subjects, where it mostly picks A (a position
    bias) and sometimes writes no readable answer."""
    table = {str(s.input): (s.reference, s.subset) for s in hret.load_dataset("ko-sample")}
    rng = random.Random(seed)

    def answer(prompt: str) -> str:
        time.sleep(latency * rng.uniform(0.5, 2.0))
        question = prompt.rsplit("질문: ", 1)[-1].split("\n", 1)[0]
        reference, subset = table[question]
        if subset not in wrong:
            return f"풀이를 마쳤습니다.\n정답: {reference}"
        if rng.random() < 0.2:
            return "잘 모르겠습니다."
        return "정답: A" if reference != "A" else "정답: B"

    return answer


def main(out: Path) -> Path:
    hret.configure(output_dir=str(out / "hret_results"), progress=False)
    files = []
    for i, (run, models) in enumerate(RUNS.items()):
        with hret.evaluation_context(run_name=run, dataset="ko-sample") as ctx:
            ctx.benchmark({label: model(wrong, latency, i * 10 + k)
                           for k, (label, (wrong, latency)) in enumerate(models.items())})
        files.append(ctx.run_dir / "run.json")
    results = [r for path in files for r in read_results(path)]
    page = write_html(results, out / "report.html", title="ko-sample: three models, two nightly runs",
                      history=HistoryStore(out / "hret_results").read())
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed: apt-get install chromium fonts-noto-cjk")
    shot = out / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--disable-background-networking", "--disable-component-update",
                        f"--user-data-dir={profile}", "--window-size=1280,2700",
                        f"--screenshot={shot}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
    return shot


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp:
        shot = main(Path(tmp))
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, target / "report.png")
    print(f"wrote {target / 'report.png'}")
