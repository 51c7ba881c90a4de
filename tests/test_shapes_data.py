"""Tests of helpers.data.shapes: determinism, shapes and dtypes, masks consistent with boxes, class balance."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.data import shapes as sd
from helpers.labs.detection import box_iou


@pytest.fixture(scope="module")
def single():
    return sd.load_shapes(n_images=80, size=32, rng=3)


@pytest.fixture(scope="module")
def multi():
    return sd.make_shapes(60, size=48, n_objects=(1, 3), rng=5)


def test_deterministic_and_independent_of_the_count():
    a = sd.make_shapes(12, rng=7)
    b = sd.make_shapes(12, rng=7)
    c = sd.make_shapes(5, rng=7, start=7)  # images 7..11 of the same seed
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.masks, b.masks)
    np.testing.assert_array_equal(a.images[7:], c.images)
    assert not np.array_equal(a.images, sd.make_shapes(12, rng=8).images)
    d1, d2 = sd.load_shapes(n_images=40, rng=1), sd.load_shapes(n_images=40, rng=1)
    np.testing.assert_array_equal(d1.x_test, d2.x_test)
    np.testing.assert_array_equal(d1.y_train, d2.y_train)


def test_shapes_and_dtypes(single, multi):
    assert single.x_train.shape == (48, 3, 32, 32) and single.x_train.dtype == np.float32
    assert single.y_train.dtype == np.int64 and single.train.masks.dtype == np.int64
    assert single.train.masks.shape == (48, 32, 32)
    assert 0.0 <= single.x_train.min() and single.x_train.max() <= 1.0
    assert len(single.train) + len(single.val) + len(single.test) == 80
    assert multi.images.shape == (60, 3, 48, 48)
    for boxes, labels in zip(multi.boxes, multi.box_labels):
        assert boxes.shape == (len(labels), 4) and boxes.dtype == np.float64 and labels.dtype == np.int64
        assert 1 <= len(labels) <= 3
    assert "train=48" in repr(single) and "objects" in repr(multi)


def test_masks_are_consistent_with_boxes_and_labels(single, multi):
    for part in (single.train, single.test, multi):
        for mask, boxes, labels, label in zip(part.masks, part.boxes, part.box_labels, part.labels):
            assert label == labels[0]
            assert set(np.unique(mask)) <= {0, *(labels + 1).tolist()}
            covered = np.zeros_like(mask, dtype=bool)
            for (x1, y1, x2, y2), k in zip(boxes.astype(int), labels):
                inside = mask[y1:y2, x1:x2] == k + 1
                # the box is tight: every border row and column of the box holds a pixel of the object
                assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
                covered[y1:y2, x1:x2] |= inside
            np.testing.assert_array_equal(covered, mask > 0)  # no object pixel outside its box
            if len(boxes) > 1:
                iou = box_iou(boxes, boxes)
                assert np.all(iou[~np.eye(len(boxes), dtype=bool)] == 0)  # objects never overlap


def test_classes_are_balanced_in_every_part():
    data = sd.load_shapes(n_images=200, rng=0)
    for part, n in ((data.train, 30), (data.val, 10), (data.test, 10)):
        assert sd.class_counts(part) == dict.fromkeys(sd.CLASSES, n)


def test_render_shape_areas_are_plausible():
    area = [sd.render_shape(k, 64, (32, 32), 12).sum() for k in range(4)]
    expected = [np.pi * 144, (1.6 * 12) ** 2, 3 * np.sqrt(3) / 4 * (1.15 * 12) ** 2, 4 * 12 * 0.6 * 12 - (0.6 * 12) ** 2]
    np.testing.assert_allclose(area, expected, rtol=0.03)


def test_objects_stand_out_from_the_background(single):
    x, masks = single.x_train, single.train.masks
    for img, m in zip(x[:20], masks[:20]):
        inside, outside = img[:, m > 0].mean(axis=1), img[:, m == 0].mean(axis=1)
        assert np.linalg.norm(inside - outside) > 0.25


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_objects=0), "n_objects"), (dict(n_objects=(2, 1)), "n_objects"), (dict(size=8), "size"),
    (dict(rng=-1), "rng"), (dict(rng=np.random.default_rng(0)), "rng"), (dict(n_images=0), "n_images")])
def test_argument_errors(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sd.make_shapes(**{"n_images": 2, **kwargs})
