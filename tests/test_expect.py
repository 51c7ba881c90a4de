"""helpers.core.expect (helpers.expect and friends): the assertions behind the portable notebook outputs."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

import helpers
from helpers.core.expect import ExpectationError

SANITIZERS = re.findall(r"^regex: (.*)$\n^replace: (.*)$",
                        (Path(__file__).parent / "nbval_sanitize.cfg").read_text(), flags=re.M)


def sanitize(text: str) -> str:
    for regex, replace in SANITIZERS:
        text = re.sub(regex, replace, text)
    return text


def test_expect_prints_the_claim_and_returns_the_value(capsys):
    measured = helpers.expect(0.2931, near=0.3, tol=0.05, label="train loss")
    assert capsys.readouterr().out == "train loss ≈ 0.293 (expected 0.3 ± 0.05)\n"
    assert measured == 0.2931 and isinstance(measured + 1, float)
    # a cell ending in expect(...) shows the value marked, so nbval masks it like the printed line
    assert sanitize(repr(measured)) == "≈ MEASURED"
    helpers.expect(np.float32(0.91), lo=0.9, label="accuracy", fmt=".2f")
    assert capsys.readouterr().out == "accuracy ≈ 0.91 (expected ≥ 0.9)\n"
    helpers.expect(torch.tensor(3.0), hi=5, label="steps", fmt=".0f")
    assert capsys.readouterr().out == "steps ≈ 3 (expected ≤ 5)\n"


@pytest.mark.parametrize("value, claim", [
    (0.36, dict(near=0.3, tol=0.05)), (0.24, dict(near=0.3, tol=0.05)), (0.5, dict(lo=0.6)),
    (7.0, dict(hi=5)), (math.nan, dict(lo=0, hi=1)), (math.inf, dict(lo=0)),
])
def test_expect_fails_outside_the_claim(value, claim):
    with pytest.raises(ExpectationError, match="outside the expected range"):
        helpers.expect(value, **claim, label="loss")
    assert issubclass(ExpectationError, AssertionError)


@pytest.mark.parametrize("kwargs, message", [
    (dict(), "needs a claim"), (dict(near=1.0), "tol= > 0"), (dict(tol=0.1), "needs near="),
    (dict(near=1.0, tol=0.1, lo=0.0), "not both"), (dict(lo=2, hi=1), "lo <= hi"),
])
def test_expect_rejects_malformed_claims(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.expect(1.0, **kwargs)


def test_expect_rejects_non_numbers():
    with pytest.raises(TypeError, match="real number"):
        helpers.expect("0.3", lo=0)
    with pytest.raises(TypeError, match="real number"):
        helpers.expect(True, lo=0)


def test_expect_below_prints_only_the_bound(capsys):
    helpers.expect_below(4.5e-10, 1e-8, label="max |difference|")
    assert capsys.readouterr().out == "max |difference| < 1e-08\n"
    with pytest.raises(ExpectationError, match="not below"):
        helpers.expect_below(2e-8, 1e-8)
    with pytest.raises(ExpectationError):
        helpers.expect_below(math.nan, 1e-8)
    with pytest.raises(ValueError, match="bound"):
        helpers.expect_below(0.0, 0)


def test_expect_true(capsys):
    helpers.expect_true(np.bool_(True), "momentum needs fewer steps")
    assert capsys.readouterr().out == "✓ momentum needs fewer steps\n"
    with pytest.raises(ExpectationError, match="momentum needs fewer steps"):
        helpers.expect_true(False, "momentum needs fewer steps")
    with pytest.raises(TypeError):
        helpers.expect_true(1, "not a bool")


def test_the_sanitiser_masks_only_the_measured_number(capsys):
    helpers.expect(0.2931, near=0.3, tol=0.05, label="train loss")
    here = capsys.readouterr().out
    helpers.expect(0.2587, near=0.3, tol=0.05, label="train loss")  # another machine's kernels
    there = capsys.readouterr().out
    assert here != there and sanitize(here) == sanitize(there) == "train loss ≈ MEASURED (expected 0.3 ± 0.05)\n"
    # the claim itself is still compared: another claim (or another label) is a different output
    helpers.expect(0.2931, near=0.3, tol=0.08, label="train loss")
    assert sanitize(capsys.readouterr().out) != sanitize(here)
    for text in ("samples ≈ [7, 7, 5, 1, 6]", "rate ≈ 93.5%", "ratio ≈ 1.2e-03", "value ≈ -12,345.5"):
        assert sanitize(text).endswith("≈ MEASURED"), text
    assert sanitize("solve ≈ n³/3 flops") == "solve ≈ n³/3 flops"
