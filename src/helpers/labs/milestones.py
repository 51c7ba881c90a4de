"""Chapter 1: milestones of computer vision and deep learning, and a timeline figure.

Dates are those of the publications (first public result), not of later journal versions.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Milestone", "MILESTONES", "plot_timeline"]


@dataclass(frozen=True)
class Milestone:
    year: int
    title: str
    kind: str  # "neural" (progress of neural networks), "other" (other methods), "winter" (setbacks)


MILESTONES: tuple[Milestone, ...] = (
    Milestone(1943, "McCulloch & Pitts:\nthreshold neuron", "neural"),
    Milestone(1958, "Rosenblatt:\nperceptron learns", "neural"),
    Milestone(1959, "Hubel & Wiesel:\nedge cells in V1", "other"),
    Milestone(1966, "MIT Summer\nVision Project", "other"),
    Milestone(1969, "Minsky & Papert:\nXOR, AI winter", "winter"),
    Milestone(1986, "Backpropagation\n(Rumelhart et al.)", "neural"),
    Milestone(1989, "LeCun: CNN reads\nZIP codes", "neural"),
    Milestone(1995, "Support vector\nmachines", "other"),
    Milestone(1997, "LSTM", "neural"),
    Milestone(2004, "SIFT features\n(Lowe)", "other"),
    Milestone(2006, "Deep belief nets:\npretraining", "neural"),
    Milestone(2009, "ImageNet\ndataset", "other"),
    Milestone(2012, "AlexNet: top-5\nerror 26% → 15%", "neural"),
    Milestone(2015, "ResNet: 152\nlayers, 3.6%", "neural"),
    Milestone(2017, "Transformer:\nattention only", "neural"),
    Milestone(2020, "Diffusion models\n(DDPM)", "neural"),
)

_COLOURS = {"neural": "#1f77b4", "other": "#7f7f7f", "winter": "#d62728"}


def plot_timeline(milestones=MILESTONES):
    """A horizontal timeline; labels alternate above and below the axis. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if not milestones:
        raise ValueError("plot_timeline needs at least one milestone.")
    fig, ax = plt.subplots(figsize=(13, 4.2))
    years = [m.year for m in milestones]
    ax.axhline(0, color="black", lw=1)
    ax.axvspan(1974, 1980, color="#d62728", alpha=0.07)
    ax.text(1977, -0.93, "first AI winter", ha="center", fontsize=8, color="#d62728")
    for i, m in enumerate(milestones):
        level = (0.35 + 0.3 * (i % 3 == 2)) * (1 if i % 2 == 0 else -1)
        ax.plot([m.year, m.year], [0, level], color=_COLOURS[m.kind], lw=1)
        ax.plot(m.year, 0, "o", color=_COLOURS[m.kind])
        ax.text(m.year, level, f"{m.year}\n{m.title}" if level > 0 else f"{m.title}\n{m.year}",
                ha="center", va="bottom" if level > 0 else "top", fontsize=7.5)
    ax.set_xlim(min(years) - 4, max(years) + 4)
    ax.set_ylim(-1, 1.05)
    ax.axis("off")
    handles = [Line2D([], [], marker="o", ls="", color=c, label=k) for k, c in
               (("neural networks", _COLOURS["neural"]), ("other vision / ML", _COLOURS["other"]),
                ("setback", _COLOURS["winter"]))]
    ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
