"""MLOps patterns with hret, offline: a local MLflow store and W&B in offline mode.

    python examples/mlops_integration_example.py [OUTPUT_DIR]

1. Checkpoint evaluation inside a training loop (every third epoch), with an
   alert when a checkpoint is significantly worse than the best one so far.
2. A hyperparameter search that records each setting as run metadata and picks
   the best run back from MLflow.
3. Continuous evaluation of a "production endpoint" (a local HTTP server) that
   detects a drop against a saved baseline with the paired comparison.

The "models" are small functions of known quality so that this runs anywhere in
seconds; put a real model call in their place.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hret
from hret.compare import FailRule, compare_results, is_regression
from hret.store import SavedRuns

ANSWERS = {str(s.input): s.reference for s in hret.load_dataset("ko-sample")}
DATASET = {"dataset": "ko-sample"}


def question_of(prompt: str) -> str:
    return prompt.rsplit("질문: ", 1)[-1].split("\n", 1)[0]


def model_of_quality(quality: float, salt: str = "") -> Callable[[str], str]:
    """Answers a fixed, question-dependent share ``quality`` of questions right
    (the same questions each time, as a deterministic model would)."""

    def model(prompt: str) -> str:
        question = question_of(prompt)
        bucket = int(hashlib.sha256((salt + question).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        answer = ANSWERS[question]
        if bucket >= quality:
            answer = "A" if answer != "A" else "B"
        return f"검토 결과\n정답: {answer}"

    return model


def trackers(ctx: hret.EvaluationContext, output_dir: Path, project: str) -> None:
    """Send this context's evaluations to the local MLflow store and to W&B (offline)."""
    ctx.log_to_mlflow(experiment_name=project, tracking_uri=f"sqlite:///{output_dir / 'mlflow.db'}")
    ctx.log_to_wandb(project_name=project, mode="offline", max_table_rows=50)


# 1. checkpoints during training ------------------------------------------------
def training_loop(output_dir: Path) -> list[str]:
    """Evaluate every third epoch; alert on a significant drop from the best checkpoint."""
    quality_by_epoch = {3: 0.55, 6: 0.8, 9: 0.45}  # epoch 9 overfits
    alerts: list[str] = []
    best: tuple[int, hret.EvaluationResult] | None = None
    for epoch in range(1, 10):
        # ... one epoch of training would run here ...
        if epoch % 3:
            continue
        with hret.evaluation_context(run_name=f"train-epoch-{epoch}", **DATASET) as ctx:
            trackers(ctx, output_dir, "training")
            ctx.metrics_tracker.run_metadata.update({"epoch": epoch, "learning_rate": 3e-4})
            result = ctx.evaluate(model_of_quality(quality_by_epoch[epoch]), label=f"ckpt-{epoch}")
        print(f"  epoch {epoch}: accuracy {result.metrics['accuracy']:.3f}")
        if best is not None:
            comparison = compare_results(best[1], result)
            if is_regression(comparison, FailRule("accuracy", 2.0, relative=True)):
                alerts.append(f"epoch {epoch} is worse than epoch {best[0]}: {comparison.describe()}")
                print(f"  ALERT {alerts[-1]}")
        if best is None or result.metrics["accuracy"] > best[1].metrics["accuracy"]:
            best = (epoch, result)
    return alerts


# 2. hyperparameter search --------------------------------------------------------
def hyperparameter_search(output_dir: Path) -> dict[str, Any]:
    """Evaluate each setting; every setting is recorded as MLflow params / W&B config."""
    grid = [{"temperature": 0.0, "top_p": 1.0}, {"temperature": 0.7, "top_p": 0.9},
            {"temperature": 1.0, "top_p": 0.8}]
    for setting in grid:
        quality = 0.85 - 0.3 * setting["temperature"] * setting["top_p"]
        with hret.evaluation_context(run_name="hp-search", **DATASET) as ctx:
            trackers(ctx, output_dir, "hp-search")
            ctx.metrics_tracker.run_metadata.update(setting)
            result = ctx.evaluate(model_of_quality(quality, salt=json.dumps(setting)),
                                  label=f"t{setting['temperature']}-p{setting['top_p']}")
        print(f"  {setting}: accuracy {result.metrics['accuracy']:.3f}")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{output_dir / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("hp-search")
    assert experiment is not None
    (best,) = client.search_runs([experiment.experiment_id], order_by=["metrics.accuracy DESC"],
                                 max_results=1)
    chosen = {k: float(best.data.params[k]) for k in ("temperature", "top_p")}
    print(f"  best run {best.info.run_name!r}: accuracy {best.data.metrics['accuracy']:.3f} with {chosen}")
    return chosen


# 3. continuous evaluation of an endpoint ----------------------------------------
class Endpoint(BaseHTTPRequestHandler):
    """POST {"prompt": ...} -> {"text": ...}; ``model`` is what is deployed."""

    model: Callable[[str], str] = staticmethod(model_of_quality(0.85))

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = json.dumps({"text": type(self).model(body["prompt"])}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def client_of(url: str) -> Callable[[str], str]:
    def call(prompt: str) -> str:
        request = urllib.request.Request(url, data=json.dumps({"prompt": prompt}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.loads(response.read())["text"])

    return call


def continuous_evaluation(output_dir: Path) -> list[str]:
    """Save a baseline of the endpoint, then check it after each deploy."""
    saved = SavedRuns(output_dir)
    drops: list[str] = []
    with endpoint() as url:
        with hret.evaluation_context(run_name="prod-baseline", **DATASET) as ctx:
            baseline = ctx.evaluate(client_of(url), label="production")
        saved.save("production-baseline", [baseline.to_dict()])
        print(f"  baseline saved: accuracy {baseline.metrics['accuracy']:.3f}")
        for deploy, model in (("v1.1", model_of_quality(0.85)), ("v1.2", model_of_quality(0.86)),
                              ("v2.0", model_of_quality(0.6))):
            Endpoint.model = staticmethod(model)
            with hret.evaluation_context(run_name=f"prod-{deploy}", **DATASET) as ctx:
                trackers(ctx, output_dir, "production")
                current = ctx.evaluate(client_of(url), label="production")
            (reference,) = saved.load("production-baseline")
            comparison = compare_results(reference, current)
            status = "ok"
            if is_regression(comparison, FailRule("accuracy", 2.0, relative=True)):
                status = "DROP"
                drops.append(f"{deploy}: {comparison.describe()}")
            print(f"  {deploy}: {status} {comparison.describe()}")
    return drops


def main(output_dir: str) -> int:
    out = Path(output_dir).resolve()
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_DIR", str(out))
    hret.configure(output_dir=str(out), progress=False)
    print("1. checkpoints in a training loop")
    alerts = training_loop(out)
    print("2. hyperparameter search")
    best = hyperparameter_search(out)
    print("3. continuous evaluation of a production endpoint")
    drops = continuous_evaluation(out)
    print(f"summary: {len(alerts)} training alert(s), best setting {best}, {len(drops)} production drop(s)")
    return 0


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="hret-mlops-")
    sys.exit(main(target))
