"""hret's Korean benchmark pack.

Importing this package registers its datasets (``kmmlu``, ``kmmlu-hard``,
``haerae``, ``click``, ``kobest``, ``kormedmcqa``, ``hrm8k``, ``benchhub`` and
``hf`` for any hub dataset) and its evaluation methods (``log_likelihood``,
``math_match``, ``llm_judge``, ``macro_f1``). ``hret.load_dataset`` and
``hret.get_evaluator`` import it on first use; ``datasets`` itself is only
imported when a dataset is read.
"""

from __future__ import annotations

from hret.benchmarks import (
    benchhub,
    click,
    generic,
    haerae,
    hrm8k,
    kmmlu,
    kobest,
    kormedmcqa,
    methods,
)

__all__ = ["benchhub", "click", "generic", "haerae", "hrm8k", "kmmlu", "kobest", "kormedmcqa",
           "methods"]
