"""pytest plugin: hret evaluations as test items."""

from __future__ import annotations
