"""Draw the four thumbnails of the preface's chapter map (book/images/parts/*.png) from the helper package.

Run after changing the helpers they use: `.venv/bin/python tools/make_part_figures.py`. Deterministic.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import helpers  # noqa: E402
import helpers.numpy_impl as hn  # noqa: E402
from helpers.core.conv_arithmetic import network_summary, preset  # noqa: E402
from helpers.core.plotting import plot_decision_regions  # noqa: E402
from helpers.widgets.optimizer_trajectories import compute_trajectories  # noqa: E402
from helpers.widgets.rnn_gradients import compute_rnn_gradients  # noqa: E402
from helpers.widgets.surfaces import quadratic_surface  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "book" / "images" / "parts"
SIZE = (3.2, 2.6)


def part1(ax):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    rng = np.random.default_rng(0)
    init = (rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=(1, 3)), rng.normal(size=1))
    params, _ = hn.two_layer_fit(x, y, *init, lr=2.0, steps=3000)
    plot_decision_regions(ax, lambda g: hn.two_layer_predict(g, *params), x, y, resolution=120)
    ax.set_title("XOR needs a hidden layer")


def part2(ax):
    surface = quadratic_surface(kappa=20.0, angle=30.0)
    runs = compute_trajectories(surface, ("GD", "Momentum", "Adam"), lr=surface.lr / 4, steps=80)
    lo, hi = surface.x_range, surface.y_range
    gx, gy = np.meshgrid(np.linspace(*lo, 120), np.linspace(*hi, 120))
    ax.contour(gx, gy, surface.f(gx, gy), levels=15, colors="0.75", linewidths=0.6)
    for name, run in runs.items():
        ax.plot(*run.path.T, ".-", ms=2, lw=1, label=name)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("optimizers on a valley (κ = 20)")


def part3(ax):
    layers, size, channels = preset("VGG-16")
    sizes = [row["rf"] for row in network_summary(layers, size, channels) if row["rf"] is not None]
    ax.plot(range(1, len(sizes) + 1), sizes, "o-", ms=3)
    ax.set(xlabel="layer of VGG-16", ylabel="receptive field (pixels)")
    ax.set_title("receptive fields grow with depth")


def part4(ax):
    for radius in (0.9, 1.0, 1.1):
        result = compute_rnn_gradients(spectral_radius=radius)
        ax.semilogy(result["k"], result["reference"], label=f"ρ = {radius}")
    ax.legend(fontsize=7)
    ax.set(xlabel="steps back in time", ylabel="gradient norm")
    ax.set_title("vanishing and exploding gradients")


def main() -> None:
    helpers.setup(seed=0)
    OUT.mkdir(parents=True, exist_ok=True)
    for number, draw in enumerate((part1, part2, part3, part4), start=1):
        fig, ax = plt.subplots(figsize=SIZE, dpi=110)
        draw(ax)
        ax.title.set_fontsize(9)
        ax.tick_params(labelsize=7)
        ax.xaxis.label.set_fontsize(8)
        ax.yaxis.label.set_fontsize(8)
        fig.tight_layout()
        fig.savefig(OUT / f"part{number}.png", metadata={"Software": None})
        plt.close(fig)
        print(f"wrote {OUT / f'part{number}.png'}")


if __name__ == "__main__":
    main()
