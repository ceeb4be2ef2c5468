"""Turning prompts into token ids for local models (``huggingface``, ``vllm``).

Chat templates: ``chat_template=None`` applies the tokenizer's template when it
has one, ``True`` requires one, ``False`` never applies one, and a string is a
Jinja template to use instead. Text prompts become one user message; chat
messages without a template are an error, not silently flattened. Text scored
by log-likelihood gets a template only when one is asked for (``True`` or a
string), as lm-evaluation-harness scores it without ``--apply_chat_template``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from hret.backends.remote import as_messages
from hret.errors import ConfigError
from hret.prompts import PlainText


class PromptEncoder:
    """Renders prompts with the chat template (or not) and tokenizes them."""

    def __init__(self, tokenizer: Any, chat_template: bool | str | None, model: str,
                 system_prompt: str | None = None) -> None:
        if isinstance(chat_template, str):
            tokenizer.chat_template = chat_template
        has_template = bool(getattr(tokenizer, "chat_template", None))
        if chat_template is True and not has_template:
            raise ConfigError(
                f"chat_template=True but the tokenizer of {model!r} has no chat template; "
                "pass chat_template='<jinja template>' or chat_template=False"
            )
        self.tokenizer = tokenizer
        self.model = model
        self.use_chat = has_template and chat_template is not False
        #: text scored by log-likelihood, and a reference harness's plain-text prompts
        #: (:class:`~hret.prompts.PlainText`), get the template only when it is asked
        #: for by name, as the reference harness runs them (a template moves scores by
        #: whole nats and changes what is generated)
        self.chat_for_scoring = self.use_chat and (chat_template is True or isinstance(chat_template, str))
        self.system_prompt = system_prompt

    def describe(self) -> str:
        """``off`` or a short hash of the template in use (part of the identity)."""
        if not self.use_chat:
            return "off"
        text = str(self.tokenizer.chat_template)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def describe_scoring(self) -> str:
        """What log-likelihood requests with text contexts, and plain-text prompts,
        get: ``off`` or the template's hash."""
        return self.describe() if self.chat_for_scoring else "off"

    def chat_for(self, prompt: Any) -> bool:
        """Whether ``prompt`` is generated from with the chat template."""
        return self.chat_for_scoring if isinstance(prompt, PlainText) else self.use_chat

    def prompt_ids(self, prompts: Sequence[Any]) -> list[list[int]]:
        """Token ids of each generation prompt, rendered with the chat template
        or not as :meth:`chat_for` says."""
        ids: list[list[int]] = [[] for _ in prompts]
        for chat in (True, False):
            chosen = [i for i, p in enumerate(prompts) if self.chat_for(p) is chat]
            encoded = self.encode([self.render(prompts[i], chat) for i in chosen], chat)
            for index, row in zip(chosen, encoded, strict=True):
                ids[index] = row
        return ids

    def render(self, prompt: Any, chat: bool | None = None) -> str:
        use_chat = self.use_chat if chat is None else chat and self.use_chat
        if not use_chat:
            if isinstance(prompt, str):
                return f"{self.system_prompt}\n\n{prompt}" if self.system_prompt else prompt
            raise ConfigError(
                f"a chat-message prompt was given but {self.model!r} applies no chat template "
                "(the tokenizer has none, or chat_template=False); pass text prompts or "
                "chat_template='<jinja template>'"
            )
        messages = as_messages(prompt, self.system_prompt)
        return str(self.tokenizer.apply_chat_template(messages, tokenize=False,
                                                      add_generation_prompt=True))

    def encode(self, texts: Sequence[str], chat: bool | None = None) -> list[list[int]]:
        """Token ids of each text, in one call to the tokenizer."""
        if not texts:
            return []
        # a rendered chat template already holds its special tokens (BOS...)
        templated = self.use_chat if chat is None else chat and self.use_chat
        batch = self.tokenizer(list(texts), add_special_tokens=not templated)["input_ids"]
        return [[int(i) for i in ids] for ids in batch]

    def encode_pairs(self, requests: Sequence[tuple[Any, str]]
                     ) -> list[tuple[list[int], list[int]]]:
        """Token ids of each rendered context and of the continuation after it.

        The whole text is encoded at once and split at the context's length, so
        the continuation's tokens are those the model sees after this context;
        whitespace ending the context moves to the continuation, as BPE
        tokenizers attach it to the next word. Contexts shared by several
        requests (the options of one question) are rendered and encoded once.
        """
        rendered: dict[str, str] = {}
        contexts, continuations = [], []
        chat = self.chat_for_scoring or not all(isinstance(c, str) for c, _ in requests)
        for context, continuation in requests:
            key = context if isinstance(context, str) else repr(context)
            if key not in rendered:
                rendered[key] = self.render(context, chat)
            text = rendered[key]
            stripped = text.rstrip()
            contexts.append(stripped)
            continuations.append(text[len(stripped):] + continuation)
        unique = list(dict.fromkeys(contexts))
        context_ids = dict(zip(unique, self.encode(unique, chat), strict=True))
        wholes = self.encode([c + k for c, k in zip(contexts, continuations, strict=True)], chat)
        pairs = []
        for context, continuation, whole in zip(contexts, continuations, wholes, strict=True):
            ids = context_ids[context]
            continuation_ids = whole[len(ids):]
            if whole[:len(ids)] != ids or not continuation_ids:
                # the two merged across the boundary: encode the parts apart
                continuation_ids = [int(i) for i in self.tokenizer(
                    continuation, add_special_tokens=False)["input_ids"]]
            pairs.append((ids or self._start(), continuation_ids))
        return pairs

    def _start(self) -> list[int]:
        """What an empty context is replaced with: BOS, else EOS."""
        start = self.tokenizer.bos_token_id
        start = start if start is not None else self.tokenizer.eos_token_id
        return [int(start)] if start is not None else []


def check_requests(requests: Sequence[Any]) -> list[tuple[Any, str]]:
    """``requests`` as ``(context, continuation)`` pairs, or a clear error."""
    pairs = []
    for request in requests:
        if not (isinstance(request, Sequence) and not isinstance(request, str) and len(request) == 2
                and isinstance(request[1], str)
                and (isinstance(request[0], str) or isinstance(request[0], Sequence)
                     and all(isinstance(m, Mapping) for m in request[0]))):
            raise TypeError(
                f"loglikelihood request {request!r:.80} must be (context, continuation) with a "
                "text continuation"
            )
        pairs.append((request[0], request[1]))
    return pairs
