"""Scans for the paper-filing tests: pages of text rendered to images, wrapped as image-only
PDFs (no text layer at all), as a clerk's scanner makes them."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

_DPI = 150
_PAGE = (int(8.5 * _DPI), 11 * _DPI)


def _page(lines: Sequence[str]) -> Image.Image:
    image = Image.new("L", _PAGE, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    y = _DPI
    for line in lines:
        draw.text((_DPI, y), line, fill=0, font=font)
        y += 56
    return image


def _pdf(pages: Sequence[Image.Image]) -> bytes:
    out = io.BytesIO()
    first, *rest = pages
    first.save(out, "PDF", resolution=_DPI, save_all=True, append_images=rest)
    return out.getvalue()


def scanned_letter(lines: Sequence[str]) -> bytes:
    """One page of typed text, as an image: OCR can read it."""
    return _pdf([_page(lines)])


def blank_scan() -> bytes:
    """A white page: nothing for OCR to read."""
    return _pdf([Image.new("L", _PAGE, 255)])


def noise_scan(seed: int = 7) -> bytes:
    """Speckles, not writing: OCR reads nothing it can call text."""
    rng = random.Random(seed)
    image = Image.new("L", (_PAGE[0] // 4, _PAGE[1] // 4), 255)
    pixels = image.load()
    assert pixels is not None
    for _ in range(4000):
        pixels[rng.randrange(image.width), rng.randrange(image.height)] = 0
    return _pdf([image.resize(_PAGE)])
