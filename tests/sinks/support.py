"""Helpers of the sink, comparison and report tests."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: W&B's offline run file: a LevelDB-style log of protobuf ``Record`` messages
_BLOCK, _HEADER = 32768, 7
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def result_dict(scores: Sequence[float | None], *, ids: Sequence[str] | None = None,
                label: str = "model", **info: Any) -> dict[str, Any]:
    """A result dict with the given per-sample scores (``None``: an error)."""
    ids = list(ids) if ids is not None else [f"s{i}" for i in range(len(scores))]
    samples = [{"id": i, "score": s, "extraction_failed": False,
                "error": None if s is not None else "RuntimeError: down"}
               for i, s in zip(ids, scores, strict=True)]
    scored = [s for s in scores if s is not None]
    base = {"dataset": "ko-sample", "split": "test", "revision": None, "num_fewshot": 0,
            "prompt_template": {"name": "t", "hash": "abc"}, "method": {"name": "string_match"},
            "headline": "accuracy", "model": label}
    return {"metrics": {"n": len(scored), "accuracy": sum(scored) / len(scored) if scored else 0.0,
                        "error_rate": (len(scores) - len(scored)) / len(scores)},
            "samples": samples, "info": {**base, **info}, "label": label}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wandb_records(run_dir: Path) -> Iterator[Any]:
    """The protobuf records of the offline run in ``run_dir`` (``offline-run-*``)."""
    from wandb.proto import wandb_internal_pb2

    (path,) = run_dir.glob("run-*.wandb")
    data = path.read_bytes()
    ident, magic, _version = struct.unpack("<4sHB", data[:_HEADER])
    assert (ident, magic) == (b":W&B", 0xBEE1), f"{path} is not a W&B run file"
    pos, pending = _HEADER, b""
    while pos + _HEADER <= len(data):
        left = _BLOCK - pos % _BLOCK
        if left < _HEADER:  # a block's tail too short for a header is padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + _HEADER])
        if kind == 0 and length == 0:
            pos += left
            continue
        chunk = data[pos + _HEADER:pos + _HEADER + length]
        pos += _HEADER + length
        if kind in (_FIRST, _MIDDLE):
            pending += chunk
            continue
        record = wandb_internal_pb2.Record()  # type: ignore[attr-defined]
        record.ParseFromString(pending + chunk if kind == _LAST else chunk)
        pending = b""
        yield record


def wandb_run(run_dir: Path) -> dict[str, Any]:
    """What an offline run holds: config, summary, artifacts (name -> record),
    files and the exit code it finished with."""
    import json

    out: dict[str, Any] = {"config": {}, "summary": {}, "artifacts": {}, "files": [], "run": None,
                           "exit_code": None}
    for record in wandb_records(run_dir):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            out["run"] = record.run
            out["config"].update({u.key: json.loads(u.value_json) for u in record.run.config.update})
        elif kind == "config":
            out["config"].update({u.key: json.loads(u.value_json) for u in record.config.update})
        elif kind == "summary":
            for u in record.summary.update:
                key = u.key or "/".join(u.nested_key)
                out["summary"][key] = json.loads(u.value_json)
        elif kind == "artifact":
            out["artifacts"][record.artifact.name] = record.artifact
        elif kind == "files":
            out["files"] += [f.path for f in record.files.files]
        elif kind == "exit":
            out["exit_code"] = record.exit.exit_code
    return out
