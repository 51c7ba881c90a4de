"""Tests of the shapes experiments: segmentation (helpers.labs.segmentation), the centre-based detector
(helpers.labs.detection_lab) and the classifier / filters / ERF / transfer lab (helpers.labs.vision_labs).

The metric code is checked on hand-computed cases, the detector's target encoding against its decoding (a
perfect network output must give back the true boxes with AP 1), and every trainer on tiny data: seeded runs
repeat exactly on the CPU, run on every ``--device``, and lower their training loss.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.data import shapes as sd  # noqa: E402
from helpers.labs import detection_lab as dl  # noqa: E402
from helpers.labs import segmentation as seg  # noqa: E402
from helpers.labs import vision_labs as vl  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def shapes():
    return sd.load_shapes(n_images=48, size=32, rng=0)


@pytest.fixture(scope="module")
def boxes_data():
    return sd.load_shapes(n_images=32, size=32, n_objects=(1, 2), rng=0)


# ------------------------------------------------------------------------------------------- segmentation
def test_confusion_iou_dice_by_hand():
    target = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 1]])
    pred = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 1]])
    conf = seg.confusion_matrix(pred, target, 2)
    np.testing.assert_array_equal(conf, [[2, 1], [1, 4]])  # rows: truth, columns: prediction
    iou, dice = seg.iou_dice(conf)
    np.testing.assert_allclose(iou, [2 / 4, 4 / 6])
    np.testing.assert_allclose(dice, [4 / 6, 8 / 10])


def test_segmentation_tensors(shapes):
    x, y = seg.segmentation_tensors(shapes.train)
    assert x.dtype == torch.float32 and x.shape == (len(shapes.train), 3, 32, 32)
    assert set(torch.unique(y).tolist()) == {0, 1}
    _, ys = seg.segmentation_tensors(shapes.train, semantic=True)
    assert set(torch.unique(ys).tolist()) <= {0, 1, 2, 3, 4}


@pytest.mark.parametrize("name", seg.MODELS)
def test_train_segmenter_repeats_and_learns(shapes, name, device):
    a = seg.train_segmenter(name, shapes, epochs=3, batch_size=8, seed=1, device=device)
    assert a.train_loss[-1] < a.train_loss[0]
    assert 0 <= a.foreground_iou <= 1 and 0 <= a.foreground_dice <= 1 and 0 <= a.pixel_accuracy <= 1
    assert a.foreground_dice >= a.foreground_iou  # Dice = 2 IoU / (1 + IoU) >= IoU
    np.testing.assert_allclose(a.dice[1], 2 * a.iou[1] / (1 + a.iou[1]))
    if device.type == "cpu":
        b = seg.train_segmenter(name, shapes, epochs=3, batch_size=8, seed=1)
        assert a.train_loss == b.train_loss and a.mean_iou == b.mean_iou
    masks = seg.predict_masks(a.model, seg.segmentation_tensors(shapes.test)[0])
    assert masks.shape == (len(shapes.test), 32, 32) and masks.device.type == "cpu"
    fig = seg.plot_segmentations(shapes.test.images, shapes.test.masks > 0, {name: masks.numpy()}, n=3)
    assert len(fig.axes) == 9


def test_semantic_segmentation_has_five_classes(shapes):
    r = seg.train_segmenter("unet", shapes, semantic=True, epochs=1, batch_size=16)
    assert r.iou.shape == (5,) and np.isnan(r.foreground_iou)


# ---------------------------------------------------------------------------------------------- detection
def _perfect_outputs(part, n_classes=4):
    """Network outputs that encode the true boxes exactly (what a perfect detector would output)."""
    size = part.images.shape[-1]
    g = size // dl.STRIDE
    logits = torch.full((len(part), n_classes, g, g), -20.0)
    size_map, offset_map = torch.zeros(len(part), 2, g, g), torch.zeros(len(part), 2, g, g)
    for i, (boxes, labels) in enumerate(zip(part.boxes, part.box_labels)):
        heat, cells, sizes, offsets = dl.make_targets(boxes, labels, size, n_classes)
        logits[i][torch.from_numpy(heat == 1.0)] = 5.0
        for (r, c), s, o in zip(cells, sizes, offsets):
            size_map[i, :, r, c] = torch.tensor(s, dtype=torch.float32)
            offset_map[i, :, r, c] = torch.tensor(o, dtype=torch.float32)
    return logits, size_map, offset_map


def test_targets_decode_to_the_true_boxes(boxes_data):
    part = boxes_data.train
    dets = dl.decode(_perfect_outputs(part), score_threshold=0.5)
    for (boxes, _scores, labels), tb, tl in zip(dets, part.boxes, part.box_labels):
        order = np.lexsort((boxes[:, 1], boxes[:, 0]))
        truth = np.lexsort((tb[:, 1], tb[:, 0]))
        np.testing.assert_allclose(boxes[order], tb[truth], atol=1e-4)
        np.testing.assert_array_equal(labels[order], tl[truth])
    m = dl.evaluate_detector(dets, part)
    assert m["map"] == pytest.approx(1.0) and m["precision"] == 1.0 and m["recall"] == 1.0
    nms_dets = dl.decode(_perfect_outputs(part), score_threshold=0.5, nms_iou=0.5)
    assert [len(d[0]) for d in nms_dets] == [len(d[0]) for d in dets]  # separate objects survive NMS


def test_heatmap_targets():
    heat, cells, sizes, offsets = dl.make_targets(np.array([[8.0, 4.0, 20.0, 12.0]]), np.array([2]), 32, 4)
    assert heat.shape == (4, 8, 8) and heat[2].max() == 1.0 and heat[[0, 1, 3]].max() == 0.0
    np.testing.assert_array_equal(cells, [[2, 3]])  # centre (14, 8) px = (3.5, 2.0) cells: row 2, column 3
    np.testing.assert_allclose(sizes, [[12.0, 8.0]])
    np.testing.assert_allclose(offsets, [[0.5, 0.0]])


def test_average_precision_by_hand():
    # 3 true boxes; detections by score: hit, miss, hit, miss -> precision 1, 1/2, 2/3, 1/2 at recall 1/3, 1/3, 2/3
    ap = dl.average_precision([0.9, 0.8, 0.7, 0.6], [True, False, True, False], 3)
    assert ap == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3)
    assert dl.average_precision([], [], 2) == 0.0
    assert np.isnan(dl.average_precision([0.5], [False], 0))


def test_match_detections_uses_each_true_box_once():
    truth = np.array([[0.0, 0, 10, 10]])
    dets = np.array([[0.0, 0, 10, 10], [0.5, 0, 10.5, 10], [50.0, 50, 60, 60]])
    np.testing.assert_array_equal(dl.match_detections(dets, [0.6, 0.9, 0.8], truth), [False, True, False])
    assert not dl.match_detections(dets[:1] + 6, [0.9], truth).any()  # IoU 16/184 < 0.5


def test_train_detector_repeats_and_learns(boxes_data, device):
    a = dl.train_detector(boxes_data, epochs=3, batch_size=8, seed=2, device=device)
    assert a.train_loss[-1] < a.train_loss[0]
    m = a.metrics
    assert m["ap"].shape == (4,) and 0 <= m["map"] <= 1 and m["n_true"] == sum(map(len, boxes_data.test.boxes))
    if device.type == "cpu":
        b = dl.train_detector(boxes_data, epochs=3, batch_size=8, seed=2)
        assert a.train_loss == b.train_loss
    fig = dl.plot_detections(boxes_data.test, a.detections, n=3, class_names=sd.CLASSES)
    assert len(fig.axes) == 3


def test_detection_loss_is_zero_only_for_a_perfect_output(boxes_data):
    heat, centres, sizes, offsets = dl._stack_targets(boxes_data.train, 4)
    perfect = list(_perfect_outputs(boxes_data.train))
    perfect[0] = torch.where(torch.from_numpy(heat.numpy() == 1.0), 20.0, -20.0)
    low = dl.detection_loss(tuple(perfect), heat, centres, sizes, offsets)
    noisy = dl.detection_loss(tuple(p + 0.5 for p in perfect), heat, centres, sizes, offsets)
    assert float(low) < 1e-3 < float(noisy)


# ---------------------------------------------------------------------------------------- classifier lab
def test_dihedral_symmetries_are_eight_distinct_maps():
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    images = {tuple(vl.dihedral(x, k).flatten().tolist()) for k in range(8)}
    assert len(images) == 8
    assert torch.equal(vl.dihedral(x, 0), x)


def test_classifier_filters_feature_maps_and_erf(shapes, device):
    r = vl.train_classifier(shapes, epochs=2, seed=0, device=device)
    assert 0 <= r.test_accuracy <= 1 and len(r.train_loss) == 2
    f = vl.first_layer_filters(r.model)
    assert f.shape == (8, 5, 5, 3) and f.min() >= 0 and f.max() <= 1
    maps = vl.feature_maps(r.model, vl.images_tensor(shapes.test)[0])
    assert [m.shape for m in maps] == [(8, 32, 32), (16, 16, 16), (32, 8, 8), (32, 8, 8)]
    erf = vl.effective_receptive_field(r.model, vl.images_tensor(shapes.test)[:8], upto=7)
    assert erf["rf"] == 10 and erf["erf"].sum() == pytest.approx(1.0)
    y0, x0 = erf["start"]
    inside = np.zeros_like(erf["erf"], dtype=bool)
    inside[max(y0, 0):y0 + erf["rf"], max(x0, 0):x0 + erf["rf"]] = True
    assert erf["erf"][~inside].sum() == 0.0  # no gradient outside the theoretical receptive field
    assert 1 <= erf["mass_90"] <= erf["rf"]
    assert len(vl.draw_filters(r.model).axes) == 8
    assert len(vl.draw_feature_maps(r.model, shapes.test.images[0], shown=4).axes) == 20
    assert len(vl.draw_effective_receptive_field({"layer 2": erf}).axes) == 1


def test_effective_receptive_field_leaves_the_images_alone(shapes):
    """Two calls on the same image tensor give the same map (gradients never pile up on the caller's tensor)."""
    torch.manual_seed(0)
    a, b = vl.shape_cnn(), vl.shape_cnn()
    x = vl.images_tensor(shapes.test)[:8]
    first = vl.effective_receptive_field(b, x, upto=4)
    vl.effective_receptive_field(a, x, upto=14)
    again = vl.effective_receptive_field(b, x, upto=4)
    assert x.grad is None and not x.requires_grad
    np.testing.assert_array_equal(first["erf"], again["erf"])
    assert first["mass_90"] <= first["rf"] == 6


def test_conv_layers_receptive_fields():
    from helpers.core import conv_arithmetic as ca

    rows = ca.network_summary(vl.conv_layers(vl.shape_cnn()), 32, 3)
    assert [r["rf"] for r in rows] == [5, 6, 10, 12, 20, 28]


def test_transfer_experiment_runs(shapes, device):
    r = vl.transfer_experiment(shapes, n_per_class=2, epochs_pretrain=1, epochs=2, device=device)
    assert set(r) == {"source", "scratch", "head only", "whole net"}
    assert all(0 <= v <= 1 for v in r.values())
