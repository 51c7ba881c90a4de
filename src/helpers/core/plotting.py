"""Still figures shared by several chapters (matplotlib). Functions take data and return or fill axes; they never display."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_decision_regions", "show_image_channels"]


def plot_decision_regions(ax, predict, x, y, *, resolution: int = 200, margin: float = 0.5, title: str = ""):
    """Shade the regions where ``predict(points) > 0.5`` over the 2-D data ``x`` (N, 2) with labels ``y``.

    ``predict`` maps a (M, 2) float64 array to M scores (probabilities or ±1 labels).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"The 'x' argument of plot_decision_regions must have shape (N, 2). Got {x.shape}.")
    lo, hi = x.min(axis=0) - margin, x.max(axis=0) + margin
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])  # (resolution², 2)
    scores = np.asarray(predict(grid), dtype=np.float64).reshape(g0.shape)
    ax.contourf(g0, g1, scores > 0.5, levels=[-0.5, 0.5, 1.5], colors=["#fbe3d6", "#d6e6fb"])
    ax.contour(g0, g1, scores, levels=[0.5], colors="k", linewidths=1)
    positive = np.asarray(y) > 0.5
    ax.scatter(*x[~positive].T, c="#d95f02", edgecolor="k", label="class 0", zorder=3)
    ax.scatter(*x[positive].T, c="#1b62b3", edgecolor="k", marker="s", label="class 1", zorder=3)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax


def show_image_channels(image):
    """A (H, W, 3) uint8 image and its red, green and blue channels side by side. Returns the figure."""
    import matplotlib.pyplot as plt

    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"The 'image' argument of show_image_channels must have shape (H, W, 3). Got {image.shape}.")
    fig, axes = plt.subplots(1, 4, figsize=(13, 3))
    axes[0].imshow(image)
    axes[0].set_title(f"RGB {image.shape}")
    for ax, channel, name in zip(axes[1:], range(3), ("red", "green", "blue")):
        ax.imshow(image[..., channel], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{name} channel")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def finish_image_grid(fig, axes, title: str = ""):
    """Hide the ticks of every image panel in ``axes``, add the figure's title (if any) and tighten the layout."""
    for ax in np.asarray(axes).flat:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
