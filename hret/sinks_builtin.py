"""Deprecated: moved to :mod:`hret.sinks`."""

from hret.moved import reexport

reexport(__name__)
