"""Rendering samples into the text a model sees.

The default multiple-choice prompt is Korean, labels every option and states the
answer format (``정답: X``) that the extractor reads back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, overload

from hret.sample import Sample

LABELS = "ABCDEFGHIJ"

MC_TEMPLATE = (
    "다음 객관식 문제를 읽고 {labels} 중 정답을 하나 고르세요. "
    "마지막 줄에 '정답: X' 형식으로 답하세요.\n\n"
    "{fewshot}질문: {question}\n{options}\n정답:"
)
PLAIN_TEMPLATE = "{fewshot}{question}"


def format_options(options: Sequence[str]) -> str:
    return "\n".join(f"{LABELS[i]}. {text}" for i, text in enumerate(options))


def label_list(n: int) -> str:
    return ", ".join(LABELS[:n])


@dataclass(frozen=True)
class PromptTemplate:
    """A ``str.format`` template over ``question``, ``options``, ``labels``,
    ``subject`` and ``fewshot``; its hash identifies it in results."""

    text: str
    name: str = "custom"

    @property
    def hash(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]

    def render(self, sample: Sample, fewshot: Sequence[Sample] = ()) -> str:
        if not isinstance(sample.input, str):
            raise TypeError(f"sample {sample.id!r} holds chat messages; a text template cannot render it")
        shots = "".join(self._shot(s) for s in fewshot)
        return self.text.format(
            question=sample.input,
            options=format_options(sample.options),
            labels=label_list(len(sample.options)),
            subject=sample.subset or "",
            fewshot=shots,
        )

    def _shot(self, sample: Sample) -> str:
        if sample.options:
            return (
                f"질문: {sample.input}\n{format_options(sample.options)}\n"
                f"정답: {sample.reference}\n\n"
            )
        return f"{sample.input}\n{sample.reference}\n\n"


DEFAULT_MC = PromptTemplate(MC_TEMPLATE, name="ko-mc-generative")
DEFAULT_PLAIN = PromptTemplate(PLAIN_TEMPLATE, name="plain")


def default_template(sample: Sample) -> PromptTemplate:
    return DEFAULT_MC if sample.options else DEFAULT_PLAIN


def as_template(template: str | PromptTemplate | None) -> PromptTemplate | None:
    if template is None or isinstance(template, PromptTemplate):
        return template
    if not isinstance(template, str):
        raise TypeError(
            f"prompt_template={template!r} is a {type(template).__name__}; "
            "expected a str with {question} / {options} fields or a PromptTemplate"
        )
    return PromptTemplate(template)


class PlainText(str):
    """A prompt the reference harness sends as it is, without a chat template
    (lm-evaluation-harness without ``--apply_chat_template``): a backend applies
    its tokenizer's template to it only when given one by name
    (``chat_template=True`` or a template string). Otherwise an ordinary ``str``."""

    __slots__ = ()


class RenderedPrompts(Sequence[Any]):
    """Each sample's prompt (text, or its chat messages), rendered when read:
    the prompts of a large dataset are never all in memory at once.
    ``template`` None means each sample's default; ``fewshot(sample)`` gives
    its few-shot examples."""

    def __init__(self, samples: Sequence[Sample], template: PromptTemplate | None,
                 fewshot: Callable[[Sample], Sequence[Sample]] | None = None) -> None:
        self.samples = samples
        self.template = template
        self.fewshot = fewshot

    def __len__(self) -> int:
        return len(self.samples)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        sample = self.samples[index]
        if not isinstance(sample.input, str):
            return [dict(m) for m in sample.input]
        chosen = self.template or default_template(sample)
        return chosen.render(sample, self.fewshot(sample) if self.fewshot else ())
