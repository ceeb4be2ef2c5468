"""Prompts: templates that render a sample into the text a model sees, and the
benchmark prompts built from parts (instruction, question block, answer cue)."""

from __future__ import annotations

from hret.prompts.reference import BenchmarkPrompt, ChatPrompt, choose
from hret.prompts.templates import (
    LABELS,
    PlainText,
    PromptTemplate,
    RenderedPrompts,
    as_template,
    default_template,
    format_options,
    label_list,
)

__all__ = ["LABELS", "BenchmarkPrompt", "ChatPrompt", "PlainText", "PromptTemplate",
           "RenderedPrompts", "as_template", "choose",
           "default_template", "format_options", "label_list"]
