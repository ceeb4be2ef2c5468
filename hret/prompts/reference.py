"""Benchmark prompts: a Korean instruction, one question block, an answer cue.

The generative text is ``instruction``, the solved few-shot examples, the
question ``block`` and the ``answer`` cue (``정답:``) that the model completes.
Few-shot examples are written with the same block and cue, so the format the
model sees is the format the extractor reads back (``정답: X``). The same parts
give the chat-message form: the instruction as the system message, each
example as a user/assistant turn, the question as the last user message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hret.prompts.templates import PromptTemplate, format_options, label_list
from hret.sample import Sample

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class BenchmarkPrompt(PromptTemplate):
    """A dataset's prompt built from parts; ``str.format`` fields as in
    :class:`~hret.prompts.PromptTemplate` (``question``, ``options``, ``labels``,
    ``subject``). ``answer_format`` writes a few-shot example's answer."""

    instruction: str = ""
    block: str = "질문: {question}\n{options}"
    answer: str = "정답:"
    answer_format: str = "{answer}"

    @classmethod
    def build(cls, name: str, instruction: str, block: str = "질문: {question}\n{options}",
              answer: str = "정답:", answer_format: str = "{answer}") -> BenchmarkPrompt:
        text = f"{instruction}\n\n{{fewshot}}{block}\n{answer}"
        return cls(text=text, name=name, instruction=instruction, block=block, answer=answer,
                   answer_format=answer_format)

    @property
    def hash(self) -> str:
        parts = [type(self).__name__, self.text, self.block, self.answer, self.answer_format]
        return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()[:12]

    def render(self, sample: Sample, fewshot: Sequence[Sample] = ()) -> str:
        shots = "".join(f"{self._block(s)}\n{self._answer(s)}\n\n" for s in fewshot)
        instruction = self.instruction.format(**self._fields(sample))
        return f"{instruction}\n\n{shots}{self._block(sample)}\n{self.answer}"

    def messages(self, sample: Sample, fewshot: Sequence[Sample] = ()) -> Messages:
        """The chat-message form of the same prompt."""
        messages = [{"role": "system", "content": self.instruction.format(**self._fields(sample))}]
        for shot in fewshot:
            messages.append({"role": "user", "content": self._block(shot)})
            messages.append({"role": "assistant", "content": self._answer(shot)})
        messages.append({"role": "user", "content": self._block(sample)})
        return messages

    def as_chat(self) -> ChatPrompt:
        """This prompt in chat-message form (what :class:`ChatPrompt` renders)."""
        return ChatPrompt(**{**self.__dict__, "name": f"{self.name}-chat"})

    def _fields(self, sample: Sample) -> dict[str, str]:
        if not isinstance(sample.input, str):
            raise TypeError(f"sample {sample.id!r} holds chat messages; a text template cannot render it")
        subject = sample.metadata.get("subject_name") or sample.subset or ""
        # a question that already lists its options (HAE-RAE) is not followed by them again
        shown = "" if sample.metadata.get("options_in_question") else format_options(sample.options)
        return {"question": sample.input, "options": shown,
                "labels": label_list(len(sample.options)), "subject": str(subject)}

    def _block(self, sample: Sample) -> str:
        return self.block.format(**self._fields(sample)).rstrip()

    def _answer(self, sample: Sample) -> str:
        return f"{self.answer} {self.answer_format.format(answer=sample.reference)}"


@dataclass(frozen=True)
class ChatPrompt(BenchmarkPrompt):
    """Renders chat messages (``[{"role": ..., "content": ...}]``) instead of one
    string, for chat models; the engine hands them to the model unchanged."""

    def render(self, sample: Sample, fewshot: Sequence[Sample] = ()) -> Any:
        return self.messages(sample, fewshot)


def choose(prompt: BenchmarkPrompt, chat: bool) -> BenchmarkPrompt:
    """The dataset's prompt in the form asked for with ``dataset_params={"chat": ...}``."""
    return prompt.as_chat() if chat else prompt


__all__ = ["BenchmarkPrompt", "ChatPrompt", "Messages", "choose"]
