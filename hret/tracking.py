"""Deprecated: moved to :mod:`hret.store.tracker`."""

from hret.moved import reexport

reexport(__name__)
