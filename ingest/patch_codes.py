"""Kodak patch codes read from a page image: zxing-cpp reads no patch code, so the bars
are measured here.

A patch code is four parallel black bars, two wide (0.20 in) and two narrow (0.08 in),
separated by narrow spaces (0.08 in), at least 2 in long, printed near the leading
(top) edge of the sheet (Kodak A-61599, "Patch Code Information"). The six orders of
wide (W) and narrow (N) bars, read from the leading edge, are the six codes; patch T
(transfer patch), the separator of scanned batches, is N W N W. Read from the other end
it would be W N W N, patch 3: a sheet turned upside down is read from the edge nearest
to its patch, which is its own leading edge whichever way it was fed.

Each bar is measured by the moments of its dark pixels (length and thickness of the
rectangle with the same second moments, and the angle of its axis), so a sheet scanned
skewed a few degrees, or turned a quarter, measures as the upright one does; widths are
compared with each other (the narrow bar is the unit), never with a resolution a TIFF
may lie about.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

#: the code a sequence of bar widths read from the leading edge stands for
PATCHES = {"WWNN": "1", "WNNW": "2", "WNWN": "3", "NWWN": "4", "NWNW": "T", "NNWW": "6"}
#: grey levels below this are ink
INK_LEVEL = 128
#: a bar is at least this many times longer than thick (a wide bar of 2 in: 10)
MIN_ELONGATION = 5.0
#: share of the fitted rectangle a bar's pixels fill: letters and lines of text fill less
MIN_FILL = 0.8
#: a wide bar is 2.5 narrow units thick; the threshold between the two
WIDE_RATIO = 1.75
#: degrees two bars of one patch may differ by (printing and scanning bend nothing more)
MAX_ANGLE_DIFFERENCE = 3.0
#: smallest bar length, as a fraction of the page's shorter side (2 in on A4 is 0.24)
MIN_LENGTH_OF_PAGE = 0.12


@dataclass(frozen=True)
class Bar:
    """One solid dark rectangle: centre (x, y) in pixels, axis angle in degrees [0, 180),
    length and thickness in pixels."""

    x: float
    y: float
    angle: float
    length: float
    thickness: float


def read_patch_codes(image: Image.Image) -> list[str]:
    """The patch codes ("1", "2", "3", "4", "6", "T") printed on the page, each read from
    the edge of the page nearest to it."""
    grey = np.asarray(image.convert("L"))
    bars = find_bars(grey < INK_LEVEL)
    height, width = grey.shape
    return [code for group in _patches(bars) if (code := _decode(group, width, height))]


def find_bars(ink: np.ndarray) -> list[Bar]:
    """The solid, elongated dark rectangles of a page's ink mask."""
    # An opening removes the scanner's speckles before they join bars to text.
    ink = ndimage.binary_opening(ink, structure=np.ones((2, 2), dtype=bool))
    labels, count = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return []
    min_length = MIN_LENGTH_OF_PAGE * min(ink.shape)
    areas = np.bincount(labels.ravel())
    bars = []
    for index, window in enumerate(ndimage.find_objects(labels), start=1):
        if window is None or areas[index] < min_length * 3:
            continue
        rows, columns = np.nonzero(labels[window] == index)
        bar = _fitted(rows + window[0].start, columns + window[1].start)
        if (
            bar is not None
            and bar.length >= min_length
            and bar.length >= MIN_ELONGATION * bar.thickness
            and areas[index] >= MIN_FILL * bar.length * bar.thickness
        ):
            bars.append(bar)
    return bars


def _fitted(rows: np.ndarray, columns: np.ndarray) -> Bar | None:
    """The rectangle with the pixels' second moments: its sides are sqrt(12 λ) for the
    eigenvalues λ of their covariance."""
    y, x = rows.mean(), columns.mean()
    covariance = np.cov(np.vstack([columns - x, rows - y]))
    values, vectors = np.linalg.eigh(covariance)
    if values[0] <= 0:
        return None
    axis = vectors[:, 1]
    angle = math.degrees(math.atan2(axis[1], axis[0])) % 180.0
    # +1: a bar n pixels thick has moments of one n-1 pixels thick, from centre to centre
    return Bar(
        float(x),
        float(y),
        angle,
        math.sqrt(12 * values[1]) + 1,
        math.sqrt(12 * values[0]) + 1,
    )


def _patches(bars: list[Bar]) -> list[list[Bar]]:
    """Runs of four parallel bars of about the same length side by side, one narrow space
    apart, ordered across their axis."""
    found: list[list[Bar]] = []
    used: set[int] = set()
    for first, bar in enumerate(bars):
        if first in used:
            continue
        family = [
            index
            for index, other in enumerate(bars)
            if index not in used and _parallel(bar, other) and _aligned(bar, other)
        ]
        ordered = sorted(family, key=lambda index: _across(bars[index], bar.angle))
        for start in range(len(ordered) - 3):
            run = [bars[index] for index in ordered[start : start + 4]]
            if _spaced(run, bar.angle):
                found.append(run)
                used.update(ordered[start : start + 4])
                break
    return found


def _parallel(one: Bar, other: Bar) -> bool:
    difference = abs(one.angle - other.angle) % 180.0
    return min(difference, 180.0 - difference) <= MAX_ANGLE_DIFFERENCE and (
        abs(one.length - other.length) <= 0.2 * max(one.length, other.length)
    )


def _aligned(one: Bar, other: Bar) -> bool:
    """Side by side: their centres differ along the axis by a small part of the length."""
    return abs(_along(other, one.angle) - _along(one, one.angle)) <= 0.15 * one.length


def _along(bar: Bar, angle: float) -> float:
    radians = math.radians(angle)
    return bar.x * math.cos(radians) + bar.y * math.sin(radians)


def _across(bar: Bar, angle: float) -> float:
    radians = math.radians(angle)
    return -bar.x * math.sin(radians) + bar.y * math.cos(radians)


def _unit(run: list[Bar]) -> float:
    """The narrow width: the mean of the two thinnest bars."""
    return float(np.mean(sorted(bar.thickness for bar in run)[:2]))


def _spaced(run: list[Bar], angle: float) -> bool:
    """Two wide bars and two narrow ones, each space about one narrow unit."""
    unit = _unit(run)
    widths = [bar.thickness / unit for bar in run]
    if sorted(width > WIDE_RATIO for width in widths) != [False, False, True, True]:
        return False
    if any(width > 3.5 for width in widths):
        return False
    for one, other in zip(run, run[1:], strict=False):
        gap = _across(other, angle) - _across(one, angle) - (one.thickness + other.thickness) / 2
        if not 0.4 * unit <= gap <= 1.8 * unit:
            return False
    return True


def _decode(run: list[Bar], width: int, height: int) -> str | None:
    """The code of a run, read from the page edge nearest to it."""
    horizontal = abs(math.sin(math.radians(run[0].angle))) < math.sqrt(0.5)
    ordered = sorted(run, key=lambda bar: bar.y if horizontal else bar.x)
    unit = _unit(run)
    pattern = "".join("W" if bar.thickness / unit > WIDE_RATIO else "N" for bar in ordered)
    centre = ordered[0].y + ordered[-1].y if horizontal else ordered[0].x + ordered[-1].x
    if centre / 2 > (height if horizontal else width) / 2:
        pattern = pattern[::-1]
    return PATCHES.get(pattern)
