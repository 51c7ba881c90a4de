"""Chapter 10's architectures: per-layer counts (conv_arithmetic vs torch modules vs forward hooks), block
properties, published parameter counts, detection utilities, training helpers and the exercise checkers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.core import conv_arithmetic as ca
from helpers.labs import architectures as A
from helpers.labs import cnn_training as T
from helpers.labs.detection import box_area, box_iou, nms

# ------------------------------------------------------------------------------------------ counts and shapes


def _chain(rows):
    """Rows of the layers that form the chain of sizes, in order (drop activations, flatten, identity)."""
    keep = ("Conv2d", "Linear", "MaxPool2d", "AvgPool2d", "BatchNorm2d", "AdaptiveAvgPool2d")
    return [r for r in rows if r["type"] in keep]


@pytest.mark.parametrize("name", ["LeNet-5", "AlexNet", "VGG-16"])
def test_presets_match_torch_layer_by_layer(name):
    layers, n, c = ca.preset(name)
    summary = ca.network_summary(layers, n, c)
    with torch.device("meta"):
        model = A.sequential_from_layers(layers, c, n)
    table = _chain(A.layer_table(model, (c, n, n)))
    assert len(table) == len(summary)
    for s, t in zip(summary, table):
        assert (s["params"], s["macs"]) == (t["params"], t["macs"]), (s, t)
        if s["kind"] == "fc":
            assert t["shape"] == (s["channels"],)
        else:  # the forward hook's output shape is the one conv_output_size predicts
            assert t["shape"] == (s["channels"], s["size"], s["size"]), (s, t)
    assert A.count_parameters(model) == sum(r["params"] for r in summary)


def test_published_parameter_counts():
    # torchvision's model cards: AlexNet 61,100,840; VGG-16 138,357,544; ResNets 11.7M ... 60.2M
    counts = {}
    for name in ("AlexNet", "VGG-16"):
        layers, n, c = ca.preset(name)
        with torch.device("meta"):
            counts[name] = A.count_parameters(A.sequential_from_layers(layers, c, n))
    assert counts == {"AlexNet": 61_100_840, "VGG-16": 138_357_544}
    published = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}
    for depth, want in published.items():
        assert A.count_parameters(A.resnet(depth, device="meta")) == want
    assert A.count_parameters(A.LeNet5()) == 61_706


def test_resnet18_matches_the_preset_table():
    layers, n, c = ca.preset("ResNet-18")
    summary = [r for r in ca.network_summary(layers, n, c) if r["params"]]
    table = [r for r in A.layer_table(A.resnet(18, device="meta"), (3, n, n)) if r["params"]]
    assert sorted((r["params"], r["macs"]) for r in summary) == sorted((r["params"], r["macs"]) for r in table)
    main = [r for r in summary if not r["branch"] and r["kind"] == "conv"]
    convs = [r for r in table if r["type"] == "Conv2d" and "shortcut" not in r["name"]]
    assert [(r["channels"], r["size"]) for r in main] == [(t["shape"][0], t["shape"][1]) for t in convs]
    assert sum(r["macs"] for r in table) == 1_814_073_344  # the "1.8 GFLOPs" of the paper's table 1


def _all_small_models():
    torch.manual_seed(0)
    return [
        (A.LeNet5(), (1, 32, 32)),
        (A.vgg_block(3, 8, 2, batch_norm=True), (3, 8, 8)),
        (A.BasicBlock(8, 16, 2), (8, 8, 8)),
        (A.BasicBlock(8, 8, batch_norm=False), (8, 8, 8)),
        (A.Bottleneck(16, 4, 2), (16, 8, 8)),
        (A.InceptionModule(16, 8, 4, 8, 2, 4, 4), (16, 6, 6)),
        (A.DepthwiseSeparableConv(8, 16, 3, 2), (8, 8, 8)),
        (A.DepthwiseSeparableConv(8, 16, pointwise_first=True), (8, 8, 8)),
        (A.SEBlock(16, 4), (16, 5, 5)),
        (A.TinyFCN(1, 3), (1, 8, 8)),
        (A.TinyUNet(1, 2, width=4), (1, 8, 8)),
        (T.deep_net(1, residual=True, batch_norm=True), (1, 8, 8)),
    ]


def test_layer_table_counts_equal_numel_of_every_module():
    for model, shape in _all_small_models():
        rows = A.layer_table(model, shape)
        modules = dict(model.named_modules())
        for r in rows:
            assert r["params"] == sum(p.numel() for p in modules[r["name"]].parameters(recurse=False)), r
        assert sum(r["params"] for r in rows) == A.count_parameters(model), type(model).__name__
        out = model.eval()(torch.zeros(1, *shape))
        assert rows[-1]["shape"] == tuple(out.shape[1:]) or isinstance(model, (A.InceptionModule, A.BasicBlock,
                                                                               A.Bottleneck, A.SEBlock))


def test_layer_table_keeps_the_weights_and_mode():
    torch.manual_seed(0)
    model = A.LeNet5().train()
    before = [p.clone() for p in model.parameters()]
    A.layer_table(model, (1, 32, 32))
    assert model.training and all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    text = A.format_layer_table(A.layer_table(model, (1, 32, 32)))
    assert "61,706" in text and "416,520" in text


# ------------------------------------------------------------------------------------------ block properties


def test_zero_initialised_residual_block_is_the_identity():
    torch.manual_seed(0)
    x = torch.relu(torch.randn(4, 8, 6, 6))  # the output of a previous block is non-negative
    block = A.BasicBlock(8, 8, zero_init=True)
    assert torch.equal(block(x), x)
    plain = A.BasicBlock(8, 8, zero_init=True, residual=False)
    assert torch.equal(plain(x), torch.zeros_like(x))  # without the shortcut the block outputs relu(0) = 0
    assert not torch.allclose(A.BasicBlock(8, 8)(x), x)


def test_zero_initialised_bottleneck_is_the_identity():
    torch.manual_seed(0)
    x = torch.relu(torch.randn(2, 32, 4, 4))
    assert torch.equal(A.Bottleneck(32, 8, zero_init=True)(x), x)


def test_se_block_scales_channels_by_gates_in_0_1():
    torch.manual_seed(0)
    se = A.SEBlock(16, 4)
    x = 3 * torch.randn(5, 16, 4, 4)
    g = se.gates(x)
    assert g.shape == (5, 16) and bool(((g > 0) & (g < 1)).all())
    y = se(x)
    ratio = y / x  # the same factor for every pixel of a channel
    assert torch.allclose(ratio, g[:, :, None, None].expand_as(x), atol=1e-6)
    assert A.count_parameters(se) == 2 * 16 * 4 + 16 + 4


def test_unet_output_shape_and_encoder_skips():
    torch.manual_seed(0)
    for depth, size in ((1, 6), (2, 8), (3, 16)):
        net = A.TinyUNet(1, 3, width=4, depth=depth).eval()
        assert net(torch.randn(2, 1, size, 2 * size)).shape == (2, 3, size, 2 * size)
    net = A.TinyUNet(1, 2, width=4, depth=2).eval()
    with torch.no_grad():  # cut the path through the bottleneck: only the skips from the encoder remain
        for up in net.up:
            up.weight.zero_()
            up.bias.zero_()
    x = torch.randn(1, 1, 8, 8)
    x2 = x.clone()
    x2[0, 0, 2, 2] += 5.0
    assert not torch.allclose(net(x), net(x2))  # the input still reaches the output through the encoder skips
    with pytest.raises(ValueError, match="multiples of 4"):
        net(torch.randn(1, 1, 6, 8))


def test_separable_conv_cost_ratio():
    c_in, c_out, k, n = 32, 64, 3, 8
    sep = A.layer_table(A.DepthwiseSeparableConv(c_in, c_out, k), (c_in, n, n))
    std = A.layer_table(nn.Conv2d(c_in, c_out, k, padding=1, bias=False), (c_in, n, n))
    ratio = sum(r["macs"] for r in sep) / sum(r["macs"] for r in std)
    assert ratio == pytest.approx(1 / c_out + 1 / k**2, rel=1e-12)


def test_inception_module_channels_and_savings():
    x = torch.zeros(1, 192, 28, 28, device="meta")
    with torch.device("meta"):
        reduced = A.InceptionModule(192, 64, 96, 128, 16, 32, 32)  # GoogLeNet's inception (3a)
        naive = A.InceptionModule(192, 64, 96, 128, 16, 32, 32, reduce=False)
    assert reduced(x).shape == (1, 256, 28, 28) and naive(x).shape == (1, 64 + 128 + 32 + 192, 28, 28)
    macs = [sum(r["macs"] for r in A.layer_table(m, (192, 28, 28))) for m in (reduced, naive)]
    hw = 28 * 28  # each conv costs H W C_out C_in k^2
    want_reduced = hw * (64 * 192 + 96 * 192 + 128 * 96 * 9 + 16 * 192 + 32 * 16 * 25 + 32 * 192)
    want_naive = hw * (64 * 192 + 128 * 192 * 9 + 32 * 192 * 25)
    assert macs == [want_reduced, want_naive] and macs[1] / macs[0] > 2.3


def test_fc_to_conv_and_fcn():
    torch.manual_seed(0)
    fc = nn.Linear(4 * 3 * 3, 5)
    conv = A.fc_to_conv(fc, 4, 3)
    x = torch.randn(2, 4, 3, 3)
    assert torch.allclose(conv(x).flatten(1), fc(x.flatten(1)), atol=1e-6)
    big = torch.randn(1, 4, 5, 6)
    scores = conv(big)  # (1, 5, 3, 4): the dense layer at every 3x3 window
    assert scores.shape == (1, 5, 3, 4)
    assert torch.allclose(scores[0, :, 1, 2], fc(big[:, :, 1:4, 2:5].flatten(1))[0], atol=1e-6)
    with pytest.raises(ValueError, match="in_features"):
        A.fc_to_conv(fc, 4, 2)
    assert A.TinyFCN(1, 3).eval()(torch.randn(2, 1, 12, 16)).shape == (2, 3, 12, 16)


def test_builder_and_factory_errors():
    layers, _, _ = ca.preset("ResNet-18")
    with pytest.raises(ValueError, match="branch"):
        A.sequential_from_layers(layers, 3, 224)
    with pytest.raises(ValueError, match="'depth' argument of resnet"):
        A.resnet(20)
    vgg = A.vgg_block(3, 8, 3)
    assert sum(isinstance(m, nn.Conv2d) for m in vgg) == 3 and vgg(torch.zeros(1, 3, 8, 8)).shape == (1, 8, 4, 4)


# ------------------------------------------------------------------------------------------ detection


def test_box_iou_hand_computed_cases():
    a = np.array([[0, 0, 2, 2], [0, 0, 4, 4], [0, 0, 1, 1]])
    b = np.array([[1, 1, 3, 3], [1, 1, 2, 2], [2, 0, 3, 1], [0, 0, 2, 2]])
    want = np.array([[1 / 7, 1 / 4, 0, 1], [4 / 16, 1 / 16, 1 / 16, 4 / 16], [0, 0, 0, 1 / 4]])
    np.testing.assert_allclose(box_iou(a, b), want)
    np.testing.assert_allclose(box_area(a), [4, 16, 1])
    assert box_iou(np.zeros((1, 4)), np.zeros((1, 4)))[0, 0] == 0.0  # empty boxes: 0, not NaN


def test_box_iou_against_pixel_counting():
    rng = np.random.default_rng(0)
    corners = np.sort(rng.integers(0, 12, size=(15, 2, 2)), axis=1)  # (box, corner, xy), x1 <= x2, y1 <= y2
    boxes = corners.reshape(15, 4)  # (x1, y1, x2, y2); some are empty (x1 == x2)

    def mask(b):  # integer box -> the unit pixels it covers
        m = np.zeros((12, 12), bool)
        m[b[1]:b[3], b[0]:b[2]] = True
        return m

    masks = [mask(b) for b in boxes]
    brute = np.array([[(p & q).sum() / max((p | q).sum(), 1) for q in masks] for p in masks])
    np.testing.assert_allclose(box_iou(boxes, boxes), brute, atol=1e-12)


def _nms_reference(boxes, scores, t):
    """The definition, written differently: visit boxes best first, keep one unless a kept box overlaps > t."""
    keep = []
    for i in sorted(range(len(scores)), key=lambda i: (-scores[i], i)):
        if all(box_iou(boxes[[i]], boxes[[j]])[0, 0] <= t for j in keep):
            keep.append(i)
    return keep


def test_nms_hand_case_and_reference():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9], [21, 21, 30, 30]], float)
    scores = np.array([0.9, 0.8, 0.7, 0.95, 0.6])
    assert nms(boxes, scores, 0.5).tolist() == [3, 2]  # box 3 suppresses 0 (IoU .9) and 1; box 2 suppresses 4
    assert nms(boxes, scores, 0.95).tolist() == [3, 0, 1, 2, 4]
    iou_01 = box_iou(boxes[[0]], boxes[[1]])[0, 0]  # 81/119
    assert nms(boxes[:2], scores[:2], iou_01).tolist() == [0, 1]  # IoU equal to the threshold is kept
    rng = np.random.default_rng(1)
    for _ in range(10):
        xy = rng.uniform(0, 20, size=(12, 2))
        b = np.concatenate([xy, xy + rng.uniform(1, 8, size=(12, 2))], 1)
        s = rng.integers(0, 5, size=12).astype(float)  # ties on purpose
        for t in (0.0, 0.3, 0.7):
            assert nms(b, s, t).tolist() == _nms_reference(b, s, t)


def test_detection_validation_messages():
    with pytest.raises(ValueError, match=r"'boxes1' argument of box_iou must have shape \(n, 4\)"):
        box_iou(np.zeros((2, 3)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="x1 <= x2 and y1 <= y2"):
        box_iou(np.array([[2, 0, 1, 1]]), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="'scores' argument of nms"):
        nms(np.zeros((2, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="'iou_threshold' argument of nms"):
        nms(np.zeros((2, 4)), np.zeros(2), 1.5)


# ------------------------------------------------------------------------------------------ training


def test_digit_images_and_class_selection():
    d = T.digit_images()
    assert d.x_train.shape == (1079, 1, 8, 8) and d.x_train.dtype == torch.float32
    assert abs(float(d.x_train.mean())) < 1e-5 and abs(float(d.x_train.std()) - 1) < 1e-3
    sub = T.select_classes(d, (5, 6, 7, 8, 9), n_per_class=3, seed=0)
    assert sub.y_train.tolist().count(0) == 3 and len(sub.y_train) == 15
    assert set(sub.y_test.tolist()) == {0, 1, 2, 3, 4} and len(sub.y_test) == int((d.y_test >= 5).sum())


def test_small_cnn_learns_digits_deterministically():
    d = T.digit_images()
    model, h = T.train_digits(lambda: T.small_cnn(width=8), d, epochs=4, seed=0)
    _, h2 = T.train_digits(lambda: T.small_cnn(width=8), d, epochs=4, seed=0)
    assert h.train_loss == h2.train_loss  # seeded init and shuffling
    assert h.train_loss[-1] < h.train_loss[0] and T.accuracy(model, d.x_test, d.y_test) >= 0.95


def test_transfer_experiment_and_loss_plot():
    d = T.digit_images()
    r = T.transfer_experiment(d, n_per_class=2, epochs_pretrain=1, epochs=3, seed=0)
    assert set(r) == {"source", "scratch", "head only", "whole net", "n_parameters"}
    assert all(0.0 <= r[k] <= 1.0 for k in ("source", "scratch", "head only", "whole net"))
    assert r["source"] > 0.8  # one epoch on the digits 0-4 already separates them
    assert r == T.transfer_experiment(d, n_per_class=2, epochs_pretrain=1, epochs=3, seed=0)  # seeded
    h = T.fit(T.digits_mlp(8), T.select_classes(d, (0, 1)), epochs=2)
    fig = T.plot_loss_curves({"a": h, "b": h})
    assert len(fig.axes[0].lines) == 2
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_deep_net_depth_and_plain_variant():
    net = T.deep_net(2, residual=False, batch_norm=False)
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert len(convs) + len(linears) == 4 * 2 + 2  # no 1x1 projection: a plain net has no shortcut to project
    assert all(b.shortcut is None for b in net.modules() if isinstance(b, A.BasicBlock))
