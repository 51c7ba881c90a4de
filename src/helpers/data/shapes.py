"""Shapes: the book's own image data set, with class labels, segmentation masks and bounding boxes.

Datasheet
---------
*What.* Colour images (3 x ``size`` x ``size``, default 32 px, float32 in [0, 1]) of geometric shapes on
textured backgrounds. Four classes, ``CLASSES = ("circle", "square", "triangle", "cross")``. Each image carries

* a class label (the class of its first object; with one object per image, *the* class),
* a semantic segmentation mask (``size`` x ``size`` int64: 0 = background, ``1 + k`` = class ``k``),
* one bounding box ``(x1, y1, x2, y2)`` per object (continuous pixel coordinates, as
  :mod:`helpers.labs.detection`: the tight box around the object's mask pixels, ``x2 = last column + 1``) and
  the object's class.

*How it is generated.* Nothing is downloaded: every image is drawn at run time from its own generator
``np.random.default_rng([seed, index])`` (so image ``i`` is the same whatever the number of images asked
for), in about a millisecond. The background is a random base colour plus two random sinusoidal gratings and
pixel noise (a texture that a threshold cannot separate from the objects). Objects get a random colour at
least 0.45 away (Euclidean RGB) from the background's base colour, a random size (radius 22-38 % of the image
side for one object, half that when there are several), position (fully inside the image), and rotation
(squares, triangles, crosses). Several objects in one image never overlap (their boxes are at least one
pixel apart), so every box is the tight box of a visible mask. Shapes are rendered at 4x resolution and
averaged (anti-aliased edges); a pixel belongs to an object's mask when at least half of it is covered.

*Sizes and balance.* :func:`load_shapes` draws ``n_images`` images whose first-object classes cycle through
the four classes (exactly balanced when ``n_images`` is a multiple of 4) and splits them stratified by class
(default 60/20/20 %), so train, validation and test are balanced too. Further objects (``n_objects=(1, 3)``)
take uniformly random classes. Generating 1,000 32-px images takes about a second on one CPU core.

*Intended use.* Classification, semantic segmentation and detection exercises of chapters 9, 10 and 12b,
where the 8 x 8 digits are too small for receptive fields, pooling and masks to matter. The shapes are
synthetic: nothing learned here transfers to photos, and the test set measures generalisation to new
draws of the same generator only.

References: the "Shapes" toy sets of many detection tutorials (e.g. the Mask R-CNN shapes example of
Abdulla, 2017); Gebru et al., "Datasheets for datasets" (2018) for the datasheet headings.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from ..core._validation import check_int

__all__ = ["CLASSES", "ShapeImages", "ShapesDataset", "render_shape", "make_shapes", "load_shapes",
           "class_counts"]

CLASSES = ("circle", "square", "triangle", "cross")
_SUPER = 4  # supersampling factor of the renderer


@dataclass(frozen=True, eq=False)
class ShapeImages:
    """A batch of images with everything known about them.

    ``images`` (N, 3, H, W) float32 in [0, 1]; ``labels`` (N,) int64 (the class of the first object);
    ``masks`` (N, H, W) int64 (0 = background, 1 + k = class k); ``boxes`` and ``box_labels``: one
    (m_i, 4) float64 and one (m_i,) int64 array per image.
    """

    images: np.ndarray
    labels: np.ndarray
    masks: np.ndarray
    boxes: tuple = ()
    box_labels: tuple = ()

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, index) -> ShapeImages:
        """The images at the integer positions ``index``, in that order."""
        index = np.asarray(index, dtype=np.int64)
        return ShapeImages(self.images[index], self.labels[index], self.masks[index],
                           tuple(self.boxes[i] for i in index), tuple(self.box_labels[i] for i in index))

    def __repr__(self) -> str:
        n_obj = sum(len(b) for b in self.boxes)
        return f"ShapeImages({len(self)} images {self.images.shape[1:]}, {n_obj} objects)"


@dataclass(frozen=True, eq=False)
class ShapesDataset:
    """Train/validation/test parts with the fields of :class:`helpers.data.Dataset` (``x_*`` = images
    (N, 3, H, W), ``y_*`` = class labels) plus the masks and boxes of every part (``train``, ``val``, ``test``
    as :class:`ShapeImages`)."""

    train: ShapeImages
    val: ShapeImages
    test: ShapeImages
    name: str = "shapes"
    target_names: tuple[str, ...] = CLASSES
    info: dict = field(default_factory=dict)

    x_train = property(lambda self: self.train.images)
    y_train = property(lambda self: self.train.labels)
    x_val = property(lambda self: self.val.images)
    y_val = property(lambda self: self.val.labels)
    x_test = property(lambda self: self.test.images)
    y_test = property(lambda self: self.test.labels)

    def __repr__(self) -> str:
        sizes = f"train={len(self.train)}, val={len(self.val)}, test={len(self.test)}"
        return f"ShapesDataset({self.name!r}, {sizes}, images={self.train.images.shape[1:]})"


# ------------------------------------------------------------------------------------------------ drawing
def _inside(kind: int, u, v, r: float):
    """Boolean coverage of class ``kind`` in rotated, centred coordinates (u, v) for radius ``r``."""
    if kind == 0:  # circle
        return u**2 + v**2 <= r**2
    if kind == 1:  # square of half-side 0.8 r (area 2.56 r^2, close to the circle's 3.14 r^2)
        return (np.abs(u) <= 0.8 * r) & (np.abs(v) <= 0.8 * r)
    if kind == 2:  # equilateral triangle inscribed in the circle of radius 1.15 r
        R = 1.15 * r
        inside = np.ones(np.broadcast(u, v).shape, dtype=bool)
        for a in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3):  # the three edge normals
            inside &= u * np.cos(a) + v * np.sin(a) <= R / 2
        return inside
    if kind == 3:  # cross: two bars of length 2r and half-width 0.3 r
        return ((np.abs(u) <= r) & (np.abs(v) <= 0.3 * r)) | ((np.abs(v) <= r) & (np.abs(u) <= 0.3 * r))
    raise ValueError(f"The 'kind' argument of render_shape must be 0..{len(CLASSES) - 1}. Got {kind!r} instead.")


def _coverage(kind: int, size: int, centre, radius: float, angle: float, window=None) -> np.ndarray:
    """Covered fraction of the pixels ``window = (row0, row1, col0, col1)`` (default: the whole image)."""
    r0, r1, c0, c1 = window or (0, size, 0, size)
    ys = r0 + (np.arange((r1 - r0) * _SUPER) + 0.5) / _SUPER  # sub-pixel centres
    xs = c0 + (np.arange((c1 - c0) * _SUPER) + 0.5) / _SUPER
    x, y = np.meshgrid(xs, ys)  # x = column, y = row
    dx, dy = x - centre[0], y - centre[1]
    u, v = dx * np.cos(angle) + dy * np.sin(angle), -dx * np.sin(angle) + dy * np.cos(angle)
    cover = _inside(int(kind), u, v, float(radius)).astype(np.float64)
    return cover.reshape(r1 - r0, _SUPER, c1 - c0, _SUPER).mean(axis=(1, 3))


def render_shape(kind: int, size: int, centre, radius: float, angle: float = 0.0) -> np.ndarray:
    """Fraction (size, size) float64 in [0, 1] of every pixel covered by one shape (4x4 supersampling).

    Pixel (row, col) covers [col, col + 1) x [row, row + 1); ``centre = (x, y)`` in those coordinates.
    """
    return _coverage(kind, size, centre, radius, angle)


def _background(size: int, rng: np.random.Generator):
    base = rng.uniform(0.2, 0.8, 3)
    t = np.arange(size) / size
    x, y = np.meshgrid(t, t)
    texture = np.zeros((size, size))
    for _ in range(2):  # two random gratings
        freq, theta, phase = rng.uniform(2.0, 6.0), rng.uniform(0, np.pi), rng.uniform(0, 2 * np.pi)
        texture += np.sin(2 * np.pi * freq * (x * np.cos(theta) + y * np.sin(theta)) + phase)
    tint = rng.uniform(-1.0, 1.0, 3)
    image = base[:, None, None] + 0.08 * tint[:, None, None] * texture[None]  # (3, H, W)
    return image, base


def _object_colour(base, rng):
    for _ in range(100):
        colour = rng.uniform(0.0, 1.0, 3)
        if np.linalg.norm(colour - base) >= 0.45:
            return colour
    return 1.0 - np.round(base)  # practically never reached: a far corner of the colour cube


def _layout(rng, n_objects: int, size: int):
    """Radius, centre and reach of each object: inside the image, at least one pixel between the squares of
    side 2 * reach around them (rejection sampling of whole layouts)."""
    scale = 1.0 if n_objects == 1 else 0.5
    for _ in range(1000):
        objects = []
        for _ in range(n_objects):
            r = rng.uniform(0.22, 0.38) * scale * size
            reach = 1.15 * r + 1  # every shape fits in this radius (triangle: 1.15 r), plus a margin
            cx, cy = rng.uniform(reach, size - reach, 2)
            objects.append((r, cx, cy, reach))
        if all(abs(a[1] - b[1]) >= a[3] + b[3] or abs(a[2] - b[2]) >= a[3] + b[3]
               for i, a in enumerate(objects) for b in objects[:i]):
            return objects
    raise RuntimeError(f"make_shapes could not place {n_objects} objects without overlap in a "
                       f"{size}x{size} image; use fewer objects or a larger size.")


def _draw_image(seed: int, index: int, size: int, n_objects: int, first_class: int):
    """One image, its mask, boxes and box labels from the generator ``default_rng([seed, index])``."""
    rng = np.random.default_rng([seed, index])
    image, base = _background(size, rng)
    mask = np.zeros((size, size), dtype=np.int64)
    boxes, labels = [], []
    kinds = [first_class] + [int(k) for k in rng.integers(len(CLASSES), size=n_objects - 1)]
    for kind, (r, cx, cy, reach) in zip(kinds, _layout(rng, n_objects, size)):
        angle = rng.uniform(0, np.pi / 2) if kind else 0.0
        window = (int(cy - reach), min(size, int(cy + reach) + 1), int(cx - reach), min(size, int(cx + reach) + 1))
        cover = np.zeros((size, size))
        cover[window[0]:window[1], window[2]:window[3]] = _coverage(kind, size, (cx, cy), r, angle, window)
        pix = cover >= 0.5
        rows, cols = np.nonzero(pix)
        box = np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], dtype=np.float64)
        colour = _object_colour(base, rng)
        shade = 1.0 + 0.1 * rng.standard_normal((size, size))  # a little texture on the object too
        image = image * (1 - cover) + np.clip(colour[:, None, None] * shade, 0, 1) * cover
        mask[pix] = kind + 1
        boxes.append(box)
        labels.append(kind)
    image = np.clip(image + 0.03 * rng.standard_normal(image.shape), 0.0, 1.0)
    return image.astype(np.float32), mask, np.array(boxes), np.array(labels, dtype=np.int64)


def _check_objects(n_objects, func):
    if isinstance(n_objects, numbers.Integral) and not isinstance(n_objects, bool):
        lo = hi = int(n_objects)
    elif (isinstance(n_objects, (tuple, list)) and len(n_objects) == 2
          and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in n_objects)):
        lo, hi = int(n_objects[0]), int(n_objects[1])
    else:
        lo, hi = 0, -1
    if not 1 <= lo <= hi <= 3:
        raise ValueError(f"The 'n_objects' argument of {func} must be an int or a pair (low, high) with "
                         f"1 <= low <= high <= 3. Got {n_objects!r} instead.")
    return lo, hi


def _check_seed(seed, func):
    if not (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0):
        raise TypeError(f"The 'rng' argument of {func} must be an int seed >= 0 (each image gets its own "
                        f"generator from it). Got {seed!r} instead.")
    return int(seed)


def make_shapes(n_images: int = 100, *, size: int = 32, n_objects=1, rng=0, start: int = 0) -> ShapeImages:
    """``n_images`` images (indices ``start`` ... ``start + n_images - 1`` of the seed ``rng``).

    The first object's class cycles through :data:`CLASSES` with the image index (balanced classes);
    ``n_objects`` is an int or a range ``(low, high)`` drawn uniformly per image.
    """
    func = "make_shapes"
    n = check_int(n_images, "n_images", func, low=1)
    size = check_int(size, "size", func, low=16)
    start = check_int(start, "start", func, low=0)
    lo, hi = _check_objects(n_objects, func)
    seed = _check_seed(rng, func)
    images, masks, boxes, box_labels = [], [], [], []
    for i in range(start, start + n):
        m = lo if lo == hi else int(np.random.default_rng([seed, i, 1]).integers(lo, hi + 1))
        img, mask, b, lab = _draw_image(seed, i, size, m, i % len(CLASSES))
        images.append(img)
        masks.append(mask)
        boxes.append(b)
        box_labels.append(lab)
    labels = np.array([lab[0] for lab in box_labels], dtype=np.int64)
    return ShapeImages(np.stack(images), labels, np.stack(masks), tuple(boxes), tuple(box_labels))


def load_shapes(*, n_images: int = 1000, size: int = 32, n_objects=1, fractions=(0.6, 0.2, 0.2),
                rng=0) -> ShapesDataset:
    """The shapes data set split into train/validation/test parts, stratified by class (see the datasheet).

    ``rng`` (an int seed) fixes both the images and the split. ``x_*`` are (N, 3, size, size) float32 images,
    ``y_*`` int64 class labels; ``train``/``val``/``test`` also hold the masks and boxes.
    """
    from . import split

    data = make_shapes(n_images, size=size, n_objects=n_objects, rng=rng)
    seed = _check_seed(rng, "load_shapes")
    index = np.arange(len(data))
    parts = split(index[:, None], data.labels, fractions=fractions, rng=np.random.default_rng([seed, 2**31]),
                  stratify=True)
    info = {"n_images": len(data), "size": size, "n_objects": n_objects, "seed": seed, "fractions": fractions}
    return ShapesDataset(data.subset(parts.x_train[:, 0]), data.subset(parts.x_val[:, 0]),
                         data.subset(parts.x_test[:, 0]), info=info)


def class_counts(part: ShapeImages) -> dict[str, int]:
    """How many images of each class (by first object) a part holds."""
    counts = np.bincount(part.labels, minlength=len(CLASSES))
    return {name: int(c) for name, c in zip(CLASSES, counts)}
