"""Optimizers are not forward/backward operations: they are stateful update rules, so none of them is a parity
case here. Each is checked on whole trajectories (NumPy == our torch twin == torch.optim with foreach=False,
hundreds of steps, random hyperparameters) or against closed forms in ``tests/test_optim.py``."""

from __future__ import annotations

CASES: list = []

_TRAJECTORY = "stateful optimizer; trajectories compared with torch.optim in tests/test_optim.py"
_CLOSED_FORM = "second-order update; checked against closed forms and its torch twin in tests/test_optim.py"

EXEMPT = {
    "sgd_step": _TRAJECTORY + " (through SGD)",
    "momentum_velocity_step": "lecture's velocity form; equals SGD(momentum) and Nesterov's look-ahead in "
                              "tests/test_optim.py",
    "adagrad_step": _TRAJECTORY + " (through Adagrad)",
    "rmsprop_step": _TRAJECTORY + " (through RMSprop)",
    "adam_step": _TRAJECTORY + " (through Adam and AdamW)",
    "SGD": _TRAJECTORY,
    "Momentum": "lecture's velocity form; equals torch.optim.SGD(momentum/nesterov) in tests/test_optim.py",
    "Adagrad": _TRAJECTORY,
    "RMSprop": _TRAJECTORY,
    "Adam": _TRAJECTORY,
    "AdamW": _TRAJECTORY,
    "newton_step": _CLOSED_FORM,
    "gauss_newton_step": _CLOSED_FORM + " (least squares in one step)",
    "levenberg_marquardt_step": _CLOSED_FORM + " (λ→0 Gauss–Newton, λ→∞ gradient step)",
    "bfgs_update": "secant condition and two-loop equivalence in tests/test_optim.py",
    "lbfgs_direction": "equals the explicit BFGS product in tests/test_optim.py",
    "Newton": _CLOSED_FORM + " (a quadratic in one step)",
    "BFGS": _CLOSED_FORM + " (converges to the quadratic's minimiser)",
    "LBFGS": "matches torch.optim.LBFGS step by step in tests/test_optim.py",
    "GaussNewton": _CLOSED_FORM,
    "LevenbergMarquardt": _CLOSED_FORM + " (curve fit, NumPy == torch)",
}
