"""The receptive-field widget: compute, plot and static layers directly; the explorer's controls fuzzed."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.core.conv_arithmetic import PRESETS
from helpers.widgets.receptive_field import (
    compute_effective_receptive_field,
    compute_erf_vs_depth,
    compute_receptive_field,
    compute_unit_field,
    demo_image,
    format_table,
    parse_layers,
    plot_effective_receptive_field,
    plot_erf_vs_depth,
    plot_receptive_field,
    receptive_field_explorer,
    static_receptive_field,
)


def test_parse_layers_and_errors():
    layers = parse_layers("conv3p1 pool2 conv3d2s2p2 avg3s1p1")
    assert [(lay.kind, lay.kernel_size, lay.stride, lay.padding, lay.dilation) for lay in layers] == [
        ("conv", 3, 1, 1, 1), ("maxpool", 2, 2, 0, 1), ("conv", 3, 2, 2, 2), ("avgpool", 3, 1, 1, 1)]
    with pytest.raises(ValueError, match="parse_layers cannot read 'dense4'"):
        parse_layers("conv3 dense4")
    with pytest.raises(ValueError, match="must be a non-empty string"):
        parse_layers("  ")


def test_compute_reports_a_layer_that_does_not_fit_as_data():
    result = compute_receptive_field("conv9 conv9 conv9", input_size=16)
    assert result["rows"] == [] and "does not fit" in result["error"]


@pytest.mark.parametrize("name", list(PRESETS))
def test_unit_field_is_the_table_row(name):
    result = compute_receptive_field(name)
    assert result["error"] is None and result["rows"]
    for layer in (0, len(result["rows"]) - 1):
        f = compute_unit_field(result, layer, (0.0, 1.0))
        row = f["layer"]
        assert f["box"][1] - f["box"][0] + 1 == row["rf"]
        assert f["box"][0] == row["start"]  # unit row 0
        assert f["box"][2] == row["start"] + (row["size"] - 1) * row["jump"]  # last column
        q = f["clipped"]
        assert 0 <= q[0] <= q[1] < result["input_size"] and 0 <= q[2] <= q[3] < result["input_size"]


def test_analytic_redraw_is_fast():
    result = compute_receptive_field("ResNet-18")
    start = time.perf_counter()
    for layer in range(len(result["rows"])):
        compute_receptive_field("ResNet-18")
        compute_unit_field(result, layer, (0.3, 0.7))
    assert (time.perf_counter() - start) / len(result["rows"]) < 0.05


def test_plot_receptive_field_draws_finite_boxes_on_the_photo():
    image = demo_image(64)
    assert image.shape == (64, 64, 3) and 0 <= image.min() and image.max() <= 1 and image.std() > 0.05
    fig = plot_receptive_field(compute_receptive_field("VGG-16"), 12, (0.2, 0.8), image, display_size=64)
    assert fig.data[0].type == "image" and fig.data[0].source.startswith("data:image/jpeg;base64,")
    for trace in fig.data[1:]:
        assert np.isfinite(np.asarray(trace.x, dtype=float)).all() and np.isfinite(np.asarray(trace.y, dtype=float)).all()
    assert "conv4_3" in fig.layout.title.text and "92 px" in fig.layout.title.text


def test_effective_receptive_field_of_a_linear_averaging_stack_is_the_repeated_box_filter():
    r = compute_effective_receptive_field("conv3p1 " * 4, input_size=21, init="uniform", relu=False, n_samples=2)
    # four 3-tap box filters: the variance of a sum of 4 uniform{-1,0,1} steps is 4 * 2/3
    assert r["std"][0] == pytest.approx(np.sqrt(4 * 2 / 3))
    # per axis the profile is [1, 1, 1] convolved with itself 4 times (multinomial, not binomial, coefficients)
    profile = r["erf"].sum(axis=0)
    box4 = np.convolve(np.convolve([1, 1, 1], [1, 1, 1]), np.convolve([1, 1, 1], [1, 1, 1]))
    np.testing.assert_allclose(profile[profile > 1e-12] / profile.sum(), box4 / 81, rtol=0, atol=1e-12)
    support = np.flatnonzero(r["erf"].sum(axis=0) > 1e-12)
    assert support.max() - support.min() + 1 == r["analytic"]["rows"][-1]["rf"] == 9


@pytest.mark.parametrize("kwargs", [dict(init="kaiming"), dict(init="kaiming", batch_norm=True),
                                    dict(init="uniform", skip=True), dict(relu=False)])
def test_effective_receptive_field_variants_are_finite(kwargs):
    r = compute_effective_receptive_field("conv3p1 conv3p1 pool2 conv3p2d2", input_size=24, n_samples=2, **kwargs)
    assert r["error"] is None and np.isfinite(r["erf"]).all() and r["erf"].max() == pytest.approx(1.0)
    assert compute_effective_receptive_field("conv9 conv9", input_size=8)["error"]


def test_erf_width_grows_like_sqrt_depth_while_the_field_grows_linearly():
    r = compute_erf_vs_depth((1, 4, 16))
    np.testing.assert_allclose(r["std"], np.sqrt(2 / 3 * r["depth"]))
    np.testing.assert_array_equal(r["rf"], 2 * r["depth"] + 1)
    import matplotlib.pyplot as plt

    plt.close(plot_erf_vs_depth(r))
    plt.close(plot_effective_receptive_field([compute_effective_receptive_field(input_size=15, n_samples=1)]))


def test_format_table_lists_every_layer():
    text = format_table(compute_receptive_field("LeNet-5"))
    assert len(text.splitlines()) == 1 + 5 and "C5" in text


def test_static_figure_has_one_state_per_preset_layer_and_stays_small():
    fig = static_receptive_field(("LeNet-5", "VGG-16"), image=demo_image(64), display_size=64)
    n_steps = 5 + 18
    steps = fig.layout.sliders[0].steps
    assert len(steps) == n_steps and len(fig.data) == 1 + 3 * n_steps
    for i in (0, n_steps - 1):
        visible = steps[i].args[0]["visible"]
        assert visible[0] and sum(visible) == 4 and all(visible[1 + 3 * i: 4 + 3 * i])
    assert len(json.dumps(fig.to_plotly_json(), default=str)) < 1.5e6
    full = static_receptive_field()  # the book's version
    assert len(full.to_json()) < 1.5e6


@settings(max_examples=12, deadline=None)
@given(net=st.sampled_from(list(PRESETS) + ["custom"]),
       spec=st.sampled_from(["conv3", "conv3p1 pool2 conv3d3", "conv99", "nonsense", "pool2 pool2 pool2 pool2",
                             "conv1s9"]),
       layer=st.integers(0, 40), row=st.floats(0, 1), col=st.floats(0, 1))
def test_explorer_controls_never_crash(explorer, net, spec, layer, row, col):
    box = explorer
    net_w, spec_w = box.children[0].children
    layer_w, row_w, col_w = box.children[1].children
    spec_w.value, net_w.value = spec, net
    layer_w.value = min(layer, layer_w.max)
    row_w.value, col_w.value = round(row, 2), round(col, 2)
    result = box.result
    if result["rows"]:
        fig = box.figure
        for trace in fig.data[1:]:
            assert np.isfinite(np.asarray(trace.x, dtype=float)).all()
    else:
        assert result["error"]


@pytest.fixture(scope="module")
def explorer():
    box = receptive_field_explorer(image=demo_image(32))
    assert_explorer_shape(box, ("network", "spec", "layer", "unit_row", "unit_col"))
    return box


def test_trained_effective_receptive_field_is_deterministic_and_inside_the_analytic_field():
    kwargs = dict(spec="conv3p1 conv3p1 pool2 conv3p2d2", input_size=24, n_samples=2, train_steps=60, seed=3)
    r, again = compute_effective_receptive_field(**kwargs), compute_effective_receptive_field(**kwargs)
    np.testing.assert_array_equal(r["erf"], again["erf"])
    np.testing.assert_array_equal(r["train_loss"], again["train_loss"])
    assert r["settings"]["train_steps"] == 60 and r["train_loss"].shape == (60,)
    assert np.isfinite(r["erf"]).all() and r["erf"].max() == pytest.approx(1.0)
    r0, r1, c0, c1 = r["unit"]["box"]
    outside = np.ones_like(r["erf"], dtype=bool)
    outside[max(r0, 0):r1 + 1, max(c0, 0):c1 + 1] = False
    assert outside.any() and np.all(r["erf"][outside] == 0)
    # the denoising loss goes down, and training changed the map
    assert r["train_loss"][-10:].mean() < 0.5 * r["train_loss"][:5].mean()
    untrained = compute_effective_receptive_field(**{**kwargs, "train_steps": 0})
    assert untrained["train_loss"].size == 0 and not np.allclose(untrained["erf"], r["erf"])


@pytest.mark.parametrize("bad", [-1, 2001, 1.5, True, "10"])
def test_train_steps_is_validated(bad):
    with pytest.raises(ValueError, match=r"The 'train_steps' argument of compute_effective_receptive_field must be "
                                         r"an int in \[0, 2000\]\. Got .* instead\."):
        compute_effective_receptive_field(train_steps=bad)


# ------------------------------------------------------------------ the lab (helpers.widgets.receptive_field_lab)
from helpers.widgets import receptive_field_lab as rfl  # noqa: E402
from tests.widget_fuzz import assert_explorer_shape, assert_finite_figure  # noqa: E402


@pytest.fixture(scope="module")
def small_lab():
    return rfl.lab(rfl.STATIC_NETWORK, input_size=24, channels=3, train_steps=30)


@settings(max_examples=40, deadline=None)
@given(tokens=st.lists(st.sampled_from(["conv3p1", "conv3s2p1", "conv1s3", "conv3p2d2", "conv2s2", "pool2",
                                        "avg3s1p1", "pool3s2d2", "res3", "res3d2", "up2", "up3", "conv5s3p2"]),
                       min_size=1, max_size=4),
       row=st.floats(0, 1), col=st.floats(0, 1), layer=st.integers(0, 3))
def test_index_support_is_the_autograd_support(tokens, row, col, layer):
    """The propagated index sets equal the non-zero input gradients of an all-ones network, holes included."""
    try:
        sizes = rfl.layer_sizes(rfl.parse_net(" ".join(tokens)), 20)
    except ValueError:
        return
    layer = min(layer, len(tokens) - 1)
    unit = rfl.unit_index(sizes[layer], (row, col))
    exact = rfl.index_support(" ".join(tokens), 20, layer, unit)
    np.testing.assert_array_equal(exact, rfl.autograd_support(" ".join(tokens), 20, layer, unit))
    if "up" not in " ".join(tokens[:layer + 1]):  # chains and residual blocks: the recursion's box is the span
        assert rfl.box_is_exact(rfl.recursion_box(" ".join(tokens), 20, layer, unit), exact)


def test_autograd_support_matches_torch_layers_with_real_weights():
    """The ones-weight support equals the support of the same stack built from torch.nn modules with random
    positive weights (a second brute force, independent of _forward)."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    stack = nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1), nn.Conv2d(2, 2, 3, padding=2, dilation=2),
                          nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(2, 1, 3, padding=1)).double()
    for p in stack.parameters():
        p.data.uniform_(0.1, 1.0)
    x = (torch.rand(1, 1, 24, 24, dtype=torch.float64) + 0.1).requires_grad_(True)
    stack(x)[0, 0, 7, 10].backward()
    spec = "conv3s2p1 conv3p2d2 up2 conv3p1"
    np.testing.assert_array_equal(x.grad[0, 0].numpy() > 0, rfl.autograd_support(spec, 24, 3, (7, 10)))
    np.testing.assert_array_equal(x.grad[0, 0].numpy() > 0, rfl.index_support(spec, 24, 3, (7, 10)))


def test_holes_and_where_the_recursion_fails():
    # stride 2 then dilation 2: taps 4 pixels apart, each 3 wide -> every 4th column but one is missing
    support = rfl.index_support("conv3s2p1 conv3p2d2", 40, 1, (10, 10))
    assert support.sum() == 81 and rfl.support_box(support) == (15, 25, 15, 25)
    np.testing.assert_array_equal(np.flatnonzero(support[20]), [15, 16, 17, 19, 20, 21, 23, 24, 25])
    # after an upsampling the jump is 1/2: unit 5 gets the right box, unit 4 a box half a pixel off
    spec = "conv3p1 up2 conv3p1"
    box = rfl.recursion_box(spec, 16, 2, (5, 5))
    assert box[:4] == (1.0, 4.0, 1.0, 4.0) and rfl.box_is_exact(box, rfl.index_support(spec, 16, 2, (5, 5)))
    box, support = rfl.recursion_box(spec, 16, 2, (4, 4)), rfl.index_support(spec, 16, 2, (4, 4))
    assert box[:4] == (0.5, 3.5, 0.5, 3.5) and rfl.support_box(support) == (0, 3, 0, 3)
    assert not rfl.box_is_exact(box, support)


@pytest.mark.parametrize("bad", ["conv3 dense4", "res4", "res3s2", "up1", "up2p1", "conv3s9", "conv16", " "])
def test_parse_net_rejects(bad):
    with pytest.raises(ValueError, match="parse_net"):
        rfl.parse_net(bad)


def test_lab_state_fields_are_inside_the_support(small_lab):
    assert small_lab["error"] is None and small_lab["train_loss"].shape == (30,)
    assert small_lab["train_loss"][-5:].mean() < small_lab["train_loss"][:5].mean()
    for layer in range(len(small_lab["ops"])):
        state = rfl.lab_state(small_lab, layer, (0.25, 1.0))
        for name, erf in state["erf"].items():
            assert np.isfinite(erf).all() and erf.max() == pytest.approx(1.0), name
            assert state["outside"][name] == 0.0  # the gradient never leaves the pixels read
        assert state["read"] == state["support"].sum() <= state["span"]
    assert not np.allclose(rfl.lab_state(small_lab, 4)["erf"]["trained"], rfl.lab_state(small_lab, 4)["erf"]["untrained"])
    assert rfl.lab("conv9 conv9 conv9", input_size=16)["error"]


def test_static_lab_has_every_state_and_stays_small(small_lab):
    fig = rfl.static_lab(data=small_lab)
    n_layers = len(small_lab["ops"])
    assert fig._dlbook_states == n_layers * 25
    assert [s.currentvalue.prefix for s in fig.layout.sliders] == ["layer ", "unit row ", "unit col "]
    assert len(fig.layout.sliders[0].steps) == n_layers and len(fig.layout.sliders[2].steps) == 5
    # a step of the unit-column slider rewrites the six overlay traces with that state's maps
    step = fig.layout.sliders[2].steps[0]
    data, _, idx = step.args
    assert list(idx) == list(range(3, 9))
    state = rfl.lab_state(small_lab, n_layers - 1, (0.5, 0.0))
    r0, r1, c0, c1 = state["support_box"]
    assert data["z"][0] == state["support"][r0:r1 + 1, c0:c1 + 1].astype(int).tolist()
    assert len(fig.to_json()) < 0.6e6
    assert_finite_figure(fig)


@settings(max_examples=15, deadline=None)
@given(net=st.sampled_from(list(rfl.NETWORKS) + ["custom"]),
       spec=st.sampled_from(["conv3", "conv3p1 res3 up2 conv3p1", "conv99", "nonsense", "up4 up4 up4", "conv1s8",
                             "pool2 pool2 pool2 pool2 pool2"]),
       layer=st.integers(1, 8), row=st.sampled_from([0.0, 1.0, 0.35]), col=st.sampled_from([0.0, 1.0, 0.65]))
def test_lab_explorer_controls_never_crash(lab_explorer, net, spec, layer, row, col):
    box = lab_explorer
    net_w, spec_w = box.children[0].children
    layer_w, row_w, col_w = box.children[1].children
    with box.wiring.hold():
        spec_w.value, net_w.value = spec, net
    layer_w.value = min(layer, layer_w.max)
    row_w.value, col_w.value = row, col
    data, state = box.result
    if data["error"]:
        assert "<pre style='color:#b00'>" in box.children[3].value
        assert state is None
        return
    assert state["layer"] == min(layer, layer_w.max) - 1
    assert state["unit"] == rfl.unit_index(data["sizes"][state["layer"]], (row, col))
    assert_finite_figure(box.figure)


@pytest.fixture(scope="module")
def lab_explorer():
    box = rfl.receptive_field_lab_explorer(input_size=16, train_steps=5)
    assert_explorer_shape(box, ("network", "spec", "layer", "unit_row", "unit_col"))
    return box
