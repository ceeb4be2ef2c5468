"""Samples kept on disk, for datasets too large to hold as objects.

A million :class:`~hret.sample.Sample` objects take hundreds of megabytes; a
:class:`SampleStore` keeps each sample pickled in an anonymous temporary file
(removed when the store is freed or the process ends) and holds only its offset
and length, 12 bytes a sample, plus its subset as a 4-byte code (so choosing
subsets reads nothing back). Reading a sample back costs a few microseconds.
:func:`collect` keeps small datasets as an ordinary tuple and moves large ones
into a store, so loaders stream rows into it without building a list first.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import weakref
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, overload

from hret.sample import Sample

#: from this many samples on, a loaded dataset lives on disk
SPILL_AT = 20_000


class _SpillFile:
    """The temporary file behind one store and all views of it."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="hret-samples-")
        self.size = 0
        weakref.finalize(self, self.file.close)  # the last store or view freed closes it

    def append(self, data: bytes) -> int:
        start = self.size
        self.file.write(data)
        self.size += len(data)
        return start

    def read(self, start: int, length: int) -> bytes:
        return os.pread(self.file.fileno(), length, start)  # positional: safe across threads


class SampleStore(Sequence[Sample]):
    """An immutable sequence of samples read from disk on access."""

    __slots__ = ("_spill", "_starts", "_lengths", "_subsets", "_subset_names")

    def __init__(self, spill: _SpillFile, starts: array[int], lengths: array[int],
                 subsets: array[int], subset_names: list[str | None]) -> None:
        self._spill = spill
        self._starts = starts
        self._lengths = lengths
        self._subsets = subsets
        self._subset_names = subset_names

    @classmethod
    def write(cls, samples: Iterable[Sample]) -> SampleStore:
        spill = _SpillFile()
        starts, lengths, subsets = array("Q"), array("I"), array("I")
        codes: dict[str | None, int] = {}
        for sample in samples:
            data = pickle.dumps(sample, protocol=pickle.HIGHEST_PROTOCOL)
            starts.append(spill.append(data))
            lengths.append(len(data))
            subsets.append(codes.setdefault(sample.subset, len(codes)))
        spill.file.flush()
        return cls(spill, starts, lengths, subsets, list(codes))

    def subset_keys(self) -> Iterator[str | None]:
        """Each sample's subset, in order, without reading the samples back."""
        names = self._subset_names
        return (names[code] for code in self._subsets)

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> SampleStore: ...

    def __getitem__(self, index: int | slice) -> Sample | SampleStore:
        if isinstance(index, slice):
            return self.take(range(*index.indices(len(self))))
        sample: Sample = pickle.loads(self._spill.read(self._starts[index], self._lengths[index]))
        return sample

    def __iter__(self) -> Iterator[Sample]:
        read = self._spill.read
        for start, length in zip(self._starts, self._lengths, strict=True):
            yield pickle.loads(read(start, length))

    def take(self, indices: Iterable[int]) -> SampleStore:
        """The samples at ``indices``, in that order, sharing this store's file."""
        chosen = list(indices)
        return SampleStore(self._spill, array("Q", (self._starts[i] for i in chosen)),
                           array("I", (self._lengths[i] for i in chosen)),
                           array("I", (self._subsets[i] for i in chosen)), self._subset_names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (tuple(self),)  # another process gets the samples, not this file

    def __repr__(self) -> str:
        return f"<SampleStore of {len(self):,} samples on disk>"


def collect(samples: Iterable[Sample], spill_at: int | None = None) -> Sequence[Sample]:
    """``samples`` as a tuple, or as a :class:`SampleStore` from ``spill_at``
    (default :data:`SPILL_AT`) samples on."""
    spill_at = SPILL_AT if spill_at is None else spill_at
    iterator = iter(samples)
    held: list[Sample] = []
    for sample in iterator:
        held.append(sample)
        if len(held) >= spill_at:
            return SampleStore.write(_chain(held, iterator))
    return tuple(held)


def _chain(held: list[Sample], rest: Iterator[Sample]) -> Iterator[Sample]:
    yield from held
    held.clear()
    yield from rest


def subset_keys(samples: Sequence[Sample]) -> Iterator[str | None]:
    """Each sample's subset, in order (read from a store's index, not its file)."""
    if isinstance(samples, SampleStore):
        return samples.subset_keys()
    return (s.subset for s in samples)


def take(samples: Sequence[Sample], indices: Iterable[int]) -> Sequence[Sample]:
    """The samples at ``indices``: a view for a store, a tuple otherwise."""
    if isinstance(samples, SampleStore):
        return samples.take(indices)
    return tuple(samples[i] for i in indices)
