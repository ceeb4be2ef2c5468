"""Small, dependency-free statistics helpers for evaluation results.

Only :mod:`math` and :mod:`random` are used so that importing this module is
essentially free. All functions raise :class:`ValueError` with a message that
names the offending value when their input is invalid.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

__all__ = [
    "Summary",
    "clustered_stderr",
    "is_binary",
    "mcnemar_exact",
    "mean",
    "micro_macro",
    "minimum_detectable_effect",
    "normal_interval",
    "paired_bootstrap",
    "paired_difference",
    "percentile",
    "stderr",
    "summarize",
    "wilson_interval",
    "z_value",
]


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #


def _check_level(level: float, name: str = "level") -> None:
    if not (isinstance(level, (int, float)) and 0.0 < level < 1.0):
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {level!r}")


def _check_nonempty(values: Sequence[float], name: str = "values") -> None:
    if len(values) == 0:
        raise ValueError(f"{name} must be non-empty, got an empty sequence")


def _check_same_length(a: Sequence[float], b: Sequence[float]) -> None:
    if len(a) != len(b):
        raise ValueError(
            f"paired sequences must have the same length, got len(a)={len(a)} and len(b)={len(b)}"
        )


# --------------------------------------------------------------------------- #
# normal quantile (Acklam's rational approximation + one Halley step)
# --------------------------------------------------------------------------- #

_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e00,
    3.754408661907416e00,
)
_P_LOW = 0.02425


def _norm_ppf(p: float) -> float:
    """Inverse standard normal CDF for ``0 < p < 1`` (accurate to ~1e-15)."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be strictly between 0 and 1, got {p!r}")
    if p > 0.5:
        return -_norm_ppf(1.0 - p)  # 1 - p is exact here; keeps both tails accurate
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    # One Halley refinement step brings the ~1e-9 approximation to full precision.
    e = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
    u = e * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
    return x - u / (1.0 + x * u / 2.0)


def z_value(level: float) -> float:
    """Two-sided standard normal critical value, e.g. ``z_value(0.95) == 1.959964...``."""
    _check_level(level)
    return -_norm_ppf((1.0 - level) / 2.0)


# --------------------------------------------------------------------------- #
# descriptive statistics
# --------------------------------------------------------------------------- #


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean (computed with :func:`math.fsum`); empty input raises."""
    _check_nonempty(values)
    return math.fsum(values) / len(values)


def stderr(values: Sequence[float]) -> float:
    """Standard error of the mean: sample std (ddof=1) / sqrt(n); 0.0 when n < 2."""
    n = len(values)
    if n < 2:
        return 0.0
    m = math.fsum(values) / n
    ss = math.fsum((x - m) ** 2 for x in values)
    return math.sqrt(ss / (n - 1) / n)


def is_binary(values: Sequence[float]) -> bool:
    """True when ``values`` is non-empty and every value equals 0 or 1."""
    return len(values) > 0 and all(v == 0 or v == 1 for v in values)


def percentile(values: Sequence[float], q: float) -> float:
    """``q``-th percentile (0..100) with linear interpolation (numpy's default method)."""
    _check_nonempty(values)
    if not (isinstance(q, (int, float)) and 0.0 <= q <= 100.0):
        raise ValueError(f"q must be a number in [0, 100], got {q!r}")
    xs = sorted(values)
    pos = (len(xs) - 1) * (q / 100.0)
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    t = pos - lo
    a, b = xs[lo], xs[hi]
    # Same two-sided lerp as numpy, which is exact at both ends.
    return b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t


def micro_macro(groups: Mapping[str, Sequence[float]]) -> tuple[float, float]:
    """(micro, macro) means: pooled over all values, and unweighted over group means.

    Empty groups are skipped; if every group is empty a ``ValueError`` is raised.
    """
    nonempty = [vals for vals in groups.values() if len(vals) > 0]
    if not nonempty:
        raise ValueError(
            f"micro_macro needs at least one non-empty group, got groups {sorted(groups)!r}"
        )
    pooled = [v for vals in nonempty for v in vals]
    return mean(pooled), mean([mean(vals) for vals in nonempty])


# --------------------------------------------------------------------------- #
# confidence intervals
# --------------------------------------------------------------------------- #


def wilson_interval(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n``.

    ``center = (p + z²/2n) / (1 + z²/n)``,
    ``half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not (isinstance(successes, (int, float)) and 0 <= successes <= n):
        raise ValueError(f"successes must be in [0, n={n}], got {successes!r}")
    z = z_value(level)
    p = successes / n
    z2n = z * z / n
    denom = 1.0 + z2n
    center = (p + z2n / 2.0) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, center - half)
    high = 1.0 if successes == n else min(1.0, center + half)
    return low, high


def normal_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation interval ``mean ± z·stderr``."""
    _check_level(level)
    m = mean(values)
    half = z_value(level) * stderr(values)
    return m - half, m + half


@dataclass(frozen=True)
class Summary:
    """Mean, standard error and confidence interval of a sample."""

    mean: float
    stderr: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        """Plain ``dict`` of the fields (JSON-serialisable)."""
        return asdict(self)


def summarize(values: Sequence[float], level: float = 0.95) -> Summary:
    """Summarise a sample; the CI is Wilson for 0/1 data, normal otherwise."""
    _check_nonempty(values)
    _check_level(level)
    n = len(values)
    if is_binary(values):
        low, high = wilson_interval(math.fsum(values), n, level)
    else:
        low, high = normal_interval(values, level)
    return Summary(mean=mean(values), stderr=stderr(values), ci_low=low, ci_high=high, n=n)


def clustered_stderr(values: Sequence[float], clusters: Sequence[str]) -> float:
    """Cluster-robust (CR1) standard error of the overall mean.

    With residuals ``e_i = y_i - ȳ`` and per-cluster sums ``S_g = Σ_{i∈g} e_i``:
    ``SE = sqrt(G/(G-1) · Σ_g S_g² / n²)`` for ``G`` clusters. With every value in
    its own cluster this equals :func:`stderr`; with one cluster it falls back to it.
    """
    _check_nonempty(values)
    if len(values) != len(clusters):
        raise ValueError(
            f"clusters must have one label per value, got {len(clusters)} labels "
            f"for {len(values)} values"
        )
    n = len(values)
    m = math.fsum(values) / n
    resid: dict[str, list[float]] = {}
    for v, g in zip(values, clusters, strict=True):
        resid.setdefault(g, []).append(v - m)
    n_clusters = len(resid)
    if n_clusters < 2:
        return stderr(values)
    meat = math.fsum(math.fsum(r) ** 2 for r in resid.values())
    return math.sqrt(n_clusters / (n_clusters - 1) * meat / (n * n))


# --------------------------------------------------------------------------- #
# paired comparisons
# --------------------------------------------------------------------------- #

_EXACT_MCNEMAR_MAX = 2000
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _stirlerr(n: int) -> float:
    """``log(n!) - log(sqrt(2πn) (n/e)^n)``, the Stirling approximation error."""
    if n <= 15:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _HALF_LOG_2PI
    nn = float(n) * n
    return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * nn)) / nn) / nn) / nn) / n


def _bd0(x: float, np_: float) -> float:
    """Deviance term ``x·log(x/np) + np - x``, computed without cancellation."""
    if abs(x - np_) < 0.1 * (x + np_):
        v = (x - np_) / (x + np_)
        s = (x - np_) * v
        ej = 2.0 * x * v
        j = 1
        while True:
            ej *= v * v
            s1 = s + ej / (2 * j + 1)
            if s1 == s:
                return s1
            s = s1
            j += 1
    return x * math.log(x / np_) + np_ - x


def _log_binom_half_pmf(k: int, n: int) -> float:
    """``log P(X = k)`` for ``X ~ Bin(n, 1/2)`` and ``0 < k < n`` (Loader's method)."""
    half = n / 2.0
    return (
        _stirlerr(n)
        - _stirlerr(k)
        - _stirlerr(n - k)
        - _bd0(k, half)
        - _bd0(n - k, half)
        + 0.5 * math.log(n / (2.0 * math.pi * k * (n - k)))
    )


def mcnemar_exact(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value from the discordant counts ``b`` and ``c``.

    ``p = min(1, 2·P(X ≤ min(b, c)))`` with ``X ~ Bin(b + c, 1/2)``; 1.0 when
    ``b + c == 0``. Exact integer arithmetic is used for ``b + c ≤ 2000``; above
    that the tail is summed in log space (relative error ~1e-13, no overflow).
    """
    for name, val in (("b", b), ("c", c)):
        if isinstance(val, bool) or not isinstance(val, int) or val < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {val!r}")
    total = b + c
    k = min(b, c)
    if total == 0 or 2 * k >= total:
        return 1.0
    if k == 0:
        return math.ldexp(1.0, 1 - total)  # 2 * 0.5**total, exact (may underflow to 0)
    if total <= _EXACT_MCNEMAR_MAX:
        tail = sum(math.comb(total, i) for i in range(k + 1)) / (1 << total)
        return min(1.0, 2.0 * tail)
    # Sum P(X = i) / P(X = k) for i = k, k-1, ... via the ratio recurrence.
    rel = 1.0
    term = 1.0
    for i in range(k, 0, -1):
        term *= i / (total - i + 1)
        rel += term
        if term < 1e-17 * rel:
            break
    log_tail = _log_binom_half_pmf(k, total) + math.log(rel)
    return min(1.0, 2.0 * math.exp(log_tail))


def paired_difference(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> tuple[float, float, float]:
    """``(mean(b - a), ci_low, ci_high)`` with a normal CI on the paired differences."""
    _check_same_length(a, b)
    _check_nonempty(a, "a")
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    low, high = normal_interval(diffs, level)
    return mean(diffs), low, high


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    n_resamples: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float, float]:
    """Paired bootstrap of ``mean(b - a)``: ``(diff, ci_low, ci_high, p_value)``.

    Paired indices are resampled with replacement ``n_resamples`` times (seeded,
    so results are deterministic). The CI uses the percentile method. The
    two-sided p-value uses the null-shifted bootstrap:
    ``(1 + #{|d*_r - d| ≥ |d|}) / (n_resamples + 1)``, capped at 1.
    """
    _check_same_length(a, b)
    _check_nonempty(a, "a")
    _check_level(level)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int) or n_resamples <= 0:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    diffs = [y - x for x, y in zip(a, b, strict=True)]
    n = len(diffs)
    observed = math.fsum(diffs) / n
    rng = random.Random(seed)
    boot = [math.fsum(rng.choices(diffs, k=n)) / n for _ in range(n_resamples)]
    alpha = 1.0 - level
    low = percentile(boot, 100.0 * alpha / 2.0)
    high = percentile(boot, 100.0 * (1.0 - alpha / 2.0))
    extreme = sum(1 for d in boot if abs(d - observed) >= abs(observed))
    p_value = min(1.0, (1 + extreme) / (n_resamples + 1))
    return observed, low, high, p_value


def minimum_detectable_effect(
    n: int,
    discordant_rate: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Smallest true paired difference detectable with the given ``alpha``/``power``.

    Give exactly one of:

    * ``discordant_rate`` (paired binary data, McNemar normal approximation):
      ``MDE = (z_{1-α/2} + z_{power}) · sqrt(discordant_rate / n)``
    * ``sd`` (standard deviation of the paired differences, continuous data):
      ``MDE = (z_{1-α/2} + z_{power}) · sd / sqrt(n)``
    """
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    _check_level(alpha, "alpha")
    _check_level(power, "power")
    if (discordant_rate is None) == (sd is None):
        raise ValueError(
            "exactly one of discordant_rate or sd must be given, got "
            f"discordant_rate={discordant_rate!r}, sd={sd!r}"
        )
    z_total = _norm_ppf(1.0 - alpha / 2.0) + _norm_ppf(power)
    if discordant_rate is not None:
        if not 0.0 < discordant_rate <= 1.0:
            raise ValueError(f"discordant_rate must be in (0, 1], got {discordant_rate!r}")
        return z_total * math.sqrt(discordant_rate / n)
    assert sd is not None
    if not (math.isfinite(sd) and sd >= 0.0):
        raise ValueError(f"sd must be a finite non-negative number, got {sd!r}")
    return z_total * sd / math.sqrt(n)
