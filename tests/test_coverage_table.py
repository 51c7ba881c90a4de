"""tools/coverage_table.py prints a Markdown row for every operation and every registered parity case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import helpers.numpy_impl as hn
from tests.registry import all_cases

ROOT = Path(__file__).resolve().parents[1]


def test_coverage_table_lists_every_operation_and_case():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "coverage_table.py")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| operation | module | NumPy fwd/bwd | torch | built-in | finite differences |")
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in lines if line.startswith("| ")}
    forwards = [n.removesuffix("_forward") for n in hn.__all__ if n.endswith("_forward")]
    missing_ops = [op for op in forwards if op not in rows]
    assert not missing_ops, f"operations missing from the table: {missing_ops}"
    missing_cases = [c.id for c in all_cases() if c.id not in rows.get(c.name, "")]
    assert not missing_cases, f"registered cases missing from the table: {missing_cases}"
    # spot checks of the content, for the two modules of the helper core
    assert "`F.linear`" in rows["affine"] and "| yes | yes | `F.linear` | yes |" in rows["affine"]
    assert "`F.multi_margin_loss`" in rows["multiclass_hinge_loss"]
    assert "| none (no built-in; closed forms in tests/test_losses_extra.py) | yes |" in rows["dice_loss"]
