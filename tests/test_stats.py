"""Tests for hret.stats: hand-computed values, cross-checks and properties."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hret import stats
from hret.stats import (
    Summary,
    clustered_stderr,
    is_binary,
    mcnemar_exact,
    mean,
    micro_macro,
    minimum_detectable_effect,
    normal_interval,
    paired_bootstrap,
    paired_difference,
    percentile,
    stderr,
    summarize,
    wilson_interval,
    z_value,
)

Z95 = 1.959963984540054  # Φ⁻¹(0.975)
Z80 = 0.8416212335729143  # Φ⁻¹(0.80)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------- #
# mean / stderr
# --------------------------------------------------------------------------- #


def test_mean_and_stderr_binary_by_hand() -> None:
    # [1, 0, 1, 1]: mean = 3/4 = 0.75
    # deviations 0.25, -0.75, 0.25, 0.25 -> squares 0.0625 + 0.5625 + 0.0625 + 0.0625 = 0.75
    # sample var = 0.75 / 3 = 0.25 -> sd = 0.5 -> stderr = 0.5 / sqrt(4) = 0.25
    assert mean([1, 0, 1, 1]) == 0.75
    assert stderr([1, 0, 1, 1]) == pytest.approx(0.25, abs=1e-15)


def test_stderr_continuous_by_hand() -> None:
    # [1, 2, 3, 4]: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
    # var = 5/3, stderr = sqrt(5/3 / 4) = sqrt(5/12) = 0.6454972243679028
    assert stderr([1, 2, 3, 4]) == pytest.approx(math.sqrt(5 / 12), rel=1e-14)
    assert stderr([1, 2, 3, 4]) == pytest.approx(0.6454972243679028, rel=1e-12)


def test_stderr_small_n_is_zero() -> None:
    assert stderr([]) == 0.0
    assert stderr([3.5]) == 0.0
    assert stderr([2.0, 2.0, 2.0]) == 0.0


def test_mean_empty_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        mean([])


# --------------------------------------------------------------------------- #
# z_value
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0.95, 1.959963984540054),
        (0.99, 2.5758293035489004),
        (0.90, 1.6448536269514722),
        (0.50, 0.6744897501960817),
        (0.6826894921370859, 1.0),  # P(|Z| < 1) = erf(1/sqrt 2)
    ],
)
def test_z_value_known(level: float, expected: float) -> None:
    assert z_value(level) == pytest.approx(expected, rel=1e-13)


def test_z_value_roundtrip_with_erf() -> None:
    # Independent check: P(|Z| < z) = erf(z / sqrt 2) must give back the level.
    for level in (1e-6, 0.1, 0.5, 0.8, 0.95, 0.999, 1 - 1e-9):
        z = z_value(level)
        assert math.erf(z / math.sqrt(2)) == pytest.approx(level, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_z_value_bad_level(bad: float) -> None:
    with pytest.raises(ValueError, match="level"):
        z_value(bad)


def test_z_value_matches_scipy() -> None:
    special = pytest.importorskip("scipy.special")
    for level in (0.001, 0.2, 0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.9999, 1 - 1e-12):
        expected = -float(special.ndtri((1 - level) / 2))
        assert z_value(level) == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------------- #
# Wilson / normal intervals
# --------------------------------------------------------------------------- #


def test_wilson_8_of_10_by_hand() -> None:
    # p = 0.8, n = 10, z = 1.959964, z² = 3.841459
    # denom  = 1 + z²/n = 1.3841459
    # center = (0.8 + z²/(2n)) / denom = (0.8 + 0.1920729) / 1.3841459 = 0.7167401
    # half   = z * sqrt(p(1-p)/n + z²/(4n²)) / denom
    #        = 1.959964 * sqrt(0.016 + 0.0096036) / 1.3841459
    #        = 1.959964 * 0.1600114 / 1.3841459 = 0.2265777
    # -> (0.4901624, 0.9433178)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4901624715, abs=1e-9)
    assert high == pytest.approx(0.9433178485, abs=1e-9)


def test_wilson_3_of_4_by_hand() -> None:
    # p = 0.75, n = 4: denom = 1 + 3.841459/4 = 1.9603647
    # center = (0.75 + 0.4801824) / 1.9603647 = 0.6275270
    # half = 1.959964 * sqrt(0.046875 + 3.841459/64) / 1.9603647
    #      = 1.959964 * sqrt(0.1068978) / 1.9603647 = 0.6408161 / 1.9603647 = 0.3268854
    # -> (0.3006418, 0.9544127)
    low, high = wilson_interval(3, 4)
    assert low == pytest.approx(0.3006418426, abs=1e-9)
    assert high == pytest.approx(0.9544127392, abs=1e-9)


def test_wilson_edges() -> None:
    # 0/10: p = 0 so half = z*sqrt(z²/4n²)/denom = (z²/2n)/denom = center; interval [0, 2*center]
    # upper = (z²/n) / (1 + z²/n) = 0.3841459 / 1.3841459 = 0.2775328
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775327998, abs=1e-9)
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(1 - 0.2775327998, abs=1e-9)


@pytest.mark.parametrize(
    ("successes", "n", "level"), [(-1, 10, 0.95), (11, 10, 0.95), (1, 0, 0.95), (1, 10, 1.0)]
)
def test_wilson_invalid(successes: float, n: int, level: float) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n, level)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=500).flatmap(
        lambda n: st.tuples(
            st.integers(min_value=1, max_value=n - 1) if n > 1 else st.just(0), st.just(n)
        )
    ),
    st.floats(min_value=0.5, max_value=0.999),
)
def test_wilson_inverts_score_test(kn: tuple[int, int], level: float) -> None:
    # Independent definition: the Wilson bounds p0 solve |p̂ - p0| = z * sqrt(p0 (1 - p0) / n).
    k, n = kn
    z = z_value(level)
    p_hat = k / n
    for p0 in wilson_interval(k, n, level):
        if 0.0 < p0 < 1.0:
            score = abs(p_hat - p0) / math.sqrt(p0 * (1 - p0) / n)
            assert score == pytest.approx(z, rel=1e-7)


def test_wilson_matches_statsmodels() -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.proportion_confint(8, 10, alpha=0.05, method="wilson")
    ours = wilson_interval(8, 10)
    assert ours[0] == pytest.approx(low, abs=1e-12)
    assert ours[1] == pytest.approx(high, abs=1e-12)


def test_normal_interval_by_hand() -> None:
    # [1, 2, 3, 4]: mean 2.5, stderr sqrt(5/12) = 0.6454972
    # z*se = 1.959964 * 0.6454972 = 1.2651513 -> (1.2348487, 3.7651513)
    low, high = normal_interval([1, 2, 3, 4])
    assert low == pytest.approx(1.2348486881, abs=1e-9)
    assert high == pytest.approx(3.7651513119, abs=1e-9)


# --------------------------------------------------------------------------- #
# summarize / is_binary
# --------------------------------------------------------------------------- #


def test_is_binary() -> None:
    assert is_binary([0, 1, 1, 0])
    assert is_binary([1.0, 0.0, True])
    assert not is_binary([0, 1, 0.5])
    assert not is_binary([2])
    assert not is_binary([])


def test_summarize_binary_uses_wilson() -> None:
    s = summarize([1, 0, 1, 1])
    assert s == Summary(
        mean=0.75,
        stderr=pytest.approx(0.25),  # type: ignore[arg-type]
        ci_low=pytest.approx(0.3006418426, abs=1e-9),  # type: ignore[arg-type]
        ci_high=pytest.approx(0.9544127392, abs=1e-9),  # type: ignore[arg-type]
        n=4,
    )
    d = s.to_dict()
    assert set(d) == {"mean", "stderr", "ci_low", "ci_high", "n"}
    assert d["n"] == 4 and d["mean"] == 0.75


def test_summarize_continuous_uses_normal() -> None:
    s = summarize([1, 2, 3, 4], level=0.95)
    assert s.mean == 2.5
    assert s.ci_low == pytest.approx(1.2348486881, abs=1e-9)
    assert s.ci_high == pytest.approx(3.7651513119, abs=1e-9)


def test_summary_is_frozen() -> None:
    s = summarize([0.5])
    with pytest.raises(AttributeError):
        s.mean = 1.0  # type: ignore[misc]


def test_summarize_empty_and_bad_level() -> None:
    with pytest.raises(ValueError, match="empty"):
        summarize([])
    with pytest.raises(ValueError, match="level"):
        summarize([1.0, 2.0], level=95)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=30), st.floats(min_value=0.5, max_value=0.999))
def test_ci_contains_mean_continuous(values: list[float], level: float) -> None:
    s = summarize(values, level)
    assert s.stderr >= 0.0
    assert s.ci_low <= s.mean <= s.ci_high


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0, 1]), min_size=1, max_size=40))
def test_ci_contains_mean_binary(values: list[int]) -> None:
    s = summarize(values)
    assert 0.0 <= s.ci_low <= s.mean <= s.ci_high <= 1.0


# --------------------------------------------------------------------------- #
# percentile / micro_macro
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("q", "expected"),
    # sorted [1, 2, 3, 4]: position = q/100 * 3
    [(0, 1.0), (25, 1.75), (50, 2.5), (90, 3.7), (100, 4.0)],
)
def test_percentile_by_hand(q: float, expected: float) -> None:
    assert percentile([4, 1, 3, 2], q) == pytest.approx(expected, abs=1e-12)


def test_percentile_invalid() -> None:
    with pytest.raises(ValueError, match="q"):
        percentile([1, 2], 101)
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20), st.floats(min_value=0, max_value=100))
def test_percentile_matches_numpy(values: list[float], q: float) -> None:
    np = pytest.importorskip("numpy")
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), abs=1e-6)


def test_micro_macro_by_hand() -> None:
    # micro = (1+1+1+0+0+0)/6 = 0.5 ; macro = (3/4 + 0/2) / 2 = 0.375 ; empty "c" skipped
    micro, macro = micro_macro({"a": [1, 1, 1, 0], "b": [0, 0], "c": []})
    assert micro == 0.5
    assert macro == 0.375


def test_micro_macro_all_empty_raises() -> None:
    with pytest.raises(ValueError, match="non-empty group"):
        micro_macro({"a": [], "b": []})
    with pytest.raises(ValueError):
        micro_macro({})


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda size: st.lists(
            st.lists(finite, min_size=size, max_size=size), min_size=1, max_size=5
        )
    )
)
def test_micro_equals_macro_for_equal_sizes(groups: list[list[float]]) -> None:
    micro, macro = micro_macro({f"g{i}": g for i, g in enumerate(groups)})
    assert micro == pytest.approx(macro, rel=1e-9, abs=1e-6)


# --------------------------------------------------------------------------- #
# clustered_stderr
# --------------------------------------------------------------------------- #


def test_clustered_stderr_two_clusters_by_hand() -> None:
    # [1, 1, 0, 0] in clusters x, x, y, y: mean 0.5, residuals .5 .5 -.5 -.5
    # S_x = 1, S_y = -1, ΣS² = 2; V = G/(G-1) * ΣS²/n² = 2 * 2/16 = 0.25 -> SE = 0.5
    # (the iid stderr is only sqrt(1/12) = 0.2887)
    assert clustered_stderr([1, 1, 0, 0], ["x", "x", "y", "y"]) == pytest.approx(0.5)
    assert stderr([1, 1, 0, 0]) == pytest.approx(math.sqrt(1 / 12))


def test_clustered_stderr_three_clusters_by_hand() -> None:
    # [1, 0, 1, 1, 0, 1], clusters a a b b c c: mean 2/3
    # residuals 1/3 -2/3 | 1/3 1/3 | -2/3 1/3 -> S = -1/3, 2/3, -1/3; ΣS² = 6/9 = 2/3
    # V = 3/2 * (2/3) / 36 = 1/36 -> SE = 1/6
    se = clustered_stderr([1, 0, 1, 1, 0, 1], ["a", "a", "b", "b", "c", "c"])
    assert se == pytest.approx(1 / 6, rel=1e-12)


def test_clustered_stderr_singletons_equal_iid() -> None:
    # One value per cluster: n/(n-1) * Σe²/n² = Σe²/((n-1)n) = s²/n.
    values = [0.3, 1.7, 2.2, -0.4, 5.0]
    assert clustered_stderr(values, ["a", "b", "c", "d", "e"]) == pytest.approx(stderr(values))


def test_clustered_stderr_single_cluster_falls_back() -> None:
    assert clustered_stderr([1, 2, 3, 4], ["q"] * 4) == stderr([1, 2, 3, 4])


def test_clustered_stderr_length_mismatch() -> None:
    with pytest.raises(ValueError, match="3 labels for 4 values"):
        clustered_stderr([1, 2, 3, 4], ["a", "b", "c"])


# --------------------------------------------------------------------------- #
# McNemar
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        (0, 0, 1.0),  # no discordant pairs
        (3, 3, 1.0),  # 2 * P(X<=3 | Bin(6,.5)) = 2 * 42/64 > 1 -> capped
        (1, 5, 14 / 64),  # 2 * (C(6,0)+C(6,1))/2^6 = 2 * 7/64 = 0.21875
        (5, 1, 14 / 64),  # symmetric
        (0, 5, 2 / 32),  # 2 * 1/2^5 = 0.0625
        (2, 8, 112 / 1024),  # 2 * (1 + 10 + 45)/2^10 = 112/1024 = 0.109375
    ],
)
def test_mcnemar_by_hand(b: int, c: int, expected: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-15)


def test_mcnemar_large_counts_do_not_overflow() -> None:
    p_mid = mcnemar_exact(49_990, 50_010)
    assert 0.9 < p_mid < 1.0
    # 0 vs 100000: 2 * 0.5**100000 underflows to 0.0 rather than raising
    assert mcnemar_exact(0, 100_000) == 0.0
    # by symmetry / normal approximation: z = (50200-49800)/sqrt(100000) ≈ 1.265 -> p ≈ 0.206
    assert mcnemar_exact(49_800, 50_200) == pytest.approx(0.2070389717642, rel=1e-9)


def test_mcnemar_log_path_agrees_with_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    exact = [mcnemar_exact(b, c) for b, c in [(1, 5), (7, 30), (120, 160), (400, 470)]]
    monkeypatch.setattr(stats, "_EXACT_MCNEMAR_MAX", 0)
    logged = [mcnemar_exact(b, c) for b, c in [(1, 5), (7, 30), (120, 160), (400, 470)]]
    assert logged == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("bad", [(-1, 3), (2, -5), (1.5, 2)])
def test_mcnemar_invalid(bad: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        mcnemar_exact(*bad)


def test_mcnemar_matches_scipy() -> None:
    # Binomial CDF from scipy's incomplete-beta implementation: p = min(1, 2 * bdtr(k, n, 0.5)).
    # For p = 0.5 this equals scipy.stats.binomtest(k, n).pvalue, without the ~1 s import of
    # scipy.stats (checked once: agreement to 8e-13 relative over 260 random (b, c) pairs).
    special = pytest.importorskip("scipy.special")
    cases = [(0, 1), (1, 5), (4, 17), (40, 61), (300, 352), (1500, 1620), (2500, 2700)]
    cases += [(20_000, 20_400), (49_800, 50_200), (12, 3000)]
    for b, c in cases:
        expected = min(1.0, 2 * float(special.bdtr(min(b, c), b + c, 0.5)))
        assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-9, abs=1e-300)


# --------------------------------------------------------------------------- #
# paired comparisons
# --------------------------------------------------------------------------- #


def test_paired_difference_by_hand() -> None:
    # d = b - a = [1, 0, 0, 0]: mean 0.25, var = (0.5625 + 3*0.0625)/3 = 0.25, se = 0.5/2 = 0.25
    # CI = 0.25 ± 1.959964 * 0.25 = 0.25 ± 0.4899910 -> (-0.2399910, 0.7399910)
    diff, low, high = paired_difference([0, 0, 1, 1], [1, 0, 1, 1])
    assert diff == 0.25
    assert low == pytest.approx(-0.2399909961, abs=1e-9)
    assert high == pytest.approx(0.7399909961, abs=1e-9)


def test_paired_length_mismatch() -> None:
    with pytest.raises(ValueError, match="len\\(a\\)=2 and len\\(b\\)=3"):
        paired_difference([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="same length"):
        paired_bootstrap([1, 2], [1])


def test_paired_bootstrap_constant_difference() -> None:
    # Every d_i = 1: each resample mean is exactly 1, so CI = (1, 1) and no resample
    # satisfies |1 - 1| >= 1, giving p = (1 + 0) / (200 + 1).
    diff, low, high, p = paired_bootstrap([0] * 10, [1] * 10, n_resamples=200)
    assert (diff, low, high) == (1.0, 1.0, 1.0)
    assert p == pytest.approx(1 / 201)


def test_paired_bootstrap_no_difference() -> None:
    # d all zero: |0 - 0| >= 0 for every resample -> p = 201/201 = 1
    assert paired_bootstrap([1, 0, 1], [1, 0, 1], n_resamples=200) == (0.0, 0.0, 0.0, 1.0)


def test_paired_bootstrap_close_to_normal_ci() -> None:
    a = [0, 1, 0, 1, 1, 0, 0, 1] * 5
    b = [1, 1, 0, 1, 1, 1, 0, 1] * 5
    diff, low, high, p = paired_bootstrap(a, b, n_resamples=2000, seed=3)
    # d has 10 ones out of 40 -> 0.25; normal CI 0.25 ± 1.96 * sqrt(0.25*0.75*40/39/40)
    n_diff, n_low, n_high = paired_difference(a, b)
    assert diff == n_diff == 0.25
    assert low == pytest.approx(n_low, abs=0.03)
    assert high == pytest.approx(n_high, abs=0.03)
    assert p < 0.01


def test_paired_bootstrap_invalid_args() -> None:
    with pytest.raises(ValueError, match="n_resamples"):
        paired_bootstrap([1], [0], n_resamples=0)
    with pytest.raises(ValueError, match="level"):
        paired_bootstrap([1], [0], level=1.0)
    with pytest.raises(ValueError, match="non-empty"):
        paired_bootstrap([], [])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(finite, finite), min_size=1, max_size=15),
    st.integers(min_value=0, max_value=2**32),
)
def test_paired_bootstrap_deterministic(pairs: list[tuple[float, float]], seed: int) -> None:
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    first = paired_bootstrap(a, b, n_resamples=100, seed=seed)
    assert paired_bootstrap(a, b, n_resamples=100, seed=seed) == first
    diff, low, high, p = first
    assert low <= high
    assert 0.0 < p <= 1.0
    assert diff == pytest.approx(mean(b) - mean(a), rel=1e-9, abs=1e-6)


def test_paired_bootstrap_seed_changes_result() -> None:
    a = [0.1, 0.5, 0.9, 0.3, 0.7, 0.2]
    b = [0.4, 0.4, 1.0, 0.6, 0.6, 0.9]
    assert paired_bootstrap(a, b, 300, seed=1) != paired_bootstrap(a, b, 300, seed=2)


# --------------------------------------------------------------------------- #
# minimum detectable effect
# --------------------------------------------------------------------------- #


def test_mde_continuous_by_hand() -> None:
    # (z_.975 + z_.80) * sd / sqrt(n) = (1.959964 + 0.841621) * 1 / 10 = 0.2801585
    assert minimum_detectable_effect(100, sd=1.0) == pytest.approx((Z95 + Z80) / 10, rel=1e-12)
    assert minimum_detectable_effect(100, sd=1.0) == pytest.approx(0.2801585218, abs=1e-9)


def test_mde_binary_by_hand() -> None:
    # (1.959964 + 0.841621) * sqrt(0.2 / 100) = 2.801585 * 0.0447214 = 0.1252907
    mde = minimum_detectable_effect(100, discordant_rate=0.2)
    assert mde == pytest.approx(0.1252906998, abs=1e-9)
    # quadrupling n halves the MDE
    assert minimum_detectable_effect(400, discordant_rate=0.2) == pytest.approx(mde / 2)


def test_mde_alpha_power() -> None:
    # alpha = 0.01, power = 0.9: (2.575829 + 1.281552) * 2 / sqrt(25) = 1.5429525
    mde = minimum_detectable_effect(25, sd=2.0, alpha=0.01, power=0.9)
    assert mde == pytest.approx((2.5758293035489004 + 1.2815515655446004) * 2 / 5, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 100},  # neither given
        {"n": 100, "sd": 1.0, "discordant_rate": 0.1},  # both given
        {"n": 0, "sd": 1.0},
        {"n": 100, "discordant_rate": 1.5},
        {"n": 100, "sd": -1.0},
        {"n": 100, "sd": 1.0, "alpha": 0.0},
        {"n": 100, "sd": 1.0, "power": 1.0},
    ],
)
def test_mde_invalid(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        minimum_detectable_effect(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- #
# import hygiene
# --------------------------------------------------------------------------- #


def test_module_imports_no_heavy_dependencies() -> None:
    # Load the file on its own (independent of the hret package __init__) in a fresh
    # interpreter and check that it pulls in nothing beyond the standard library basics.
    code = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('hret_stats_probe', sys.argv[1])\n"
        "mod = sys.modules['hret_stats_probe'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(mod)\n"
        "assert mod.z_value(0.95) > 1.95\n"
        "heavy = ('numpy', 'scipy', 'statistics', 'pandas', 'fractions', 'decimal')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, stats.__file__], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
