"""The ``Sample`` type: one dataset item, frozen and JSON-serialisable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

Message = Mapping[str, str]
NO_METADATA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Sample:
    """One evaluation item.

    ``input`` is the question text (or chat messages); the prompt stage renders it
    together with ``options`` into what the model sees. For multiple choice,
    ``reference`` is the correct option's label (``"A"``, ``"B"``...).
    """

    id: str
    input: str | tuple[Message, ...]
    reference: str
    options: tuple[str, ...] = ()
    subset: str | None = None
    category: str | None = None
    # one shared empty mapping: a million samples need not hold a million empty dicts
    metadata: Mapping[str, Any] = field(default_factory=lambda: NO_METADATA)

    def __reduce__(self) -> tuple[Any, ...]:
        # the shared empty metadata is a read-only view, which pickle cannot copy
        fields = (self.id, self.input, self.reference, self.options, self.subset, self.category)
        return (Sample, (*fields, dict(self.metadata)) if self.metadata else fields)

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.options)

    @property
    def answer_index(self) -> int | None:
        """0-based index of the correct option, for multiple choice."""
        if not self.options:
            return None
        index = ord(self.reference.upper()) - ord("A") if len(self.reference) == 1 else -1
        return index if 0 <= index < len(self.options) else None

    @property
    def answer_text(self) -> str:
        index = self.answer_index
        return self.options[index] if index is not None else self.reference

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "input": self.input if isinstance(self.input, str) else [dict(m) for m in self.input],
            "reference": self.reference,
            "options": list(self.options),
            "subset": self.subset,
            "category": self.category,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sample:
        raw_input = data["input"]
        return cls(
            id=str(data["id"]),
            input=raw_input if isinstance(raw_input, str) else tuple(dict(m) for m in raw_input),
            reference=str(data["reference"]),
            options=tuple(str(o) for o in data.get("options") or ()),
            subset=data.get("subset"),
            category=data.get("category"),
            metadata=dict(data.get("metadata") or {}),
        )
