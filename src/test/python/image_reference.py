"""Reference data for the Java image decoding and preprocessing tests (io.resnetspark.image).

Run by the Java tests with Debian's /usr/bin/python3 (PIL 9.4, numpy, torch,
torchvision; jobs/install-test-deps installs them). Two commands:

  images --out-dir DIR
      1. Writes seeded test images into DIR/images/: JPEG (quality 90, 4:2:0,
         4:4:4, progressive, grey, CMYK, EXIF orientations 1-8, 1x1), PNG
         (RGB, RGBA, LA, L, palette with transparency, 1-bit, 4-bit palette,
         16-bit grey, RGB and RGBA), BMP, GIF (animated: first frame), WebP
         (lossy, lossless), TIFF (RGB, CMYK). Files already in DIR/images/
         (the Java test adds a YCCK JPEG and one with an ICC profile) are kept.
      2. For every file in DIR/images/, writes into DIR/ref/:
           NAME.decoded.npy   uint8 HxWx3: what torchvision's PIL pipeline
                              sees, ImageOps.exif_transpose(Image.open(f))
                              .convert("RGB") (16-bit grey PNG clipped to 255
                              by convert, as the decoder's default does)
           NAME.plain.npy     uint8: plain Image.open(f).convert("RGB"), only
                              where it differs from the correct decode
           NAME.P.npy         uint8 HxWx3: torchvision pipeline P's Resize +
                              CenterCrop output on the correct decode, for the
                              pipelines in PIPELINES
           NAME.P.f32.npy     float32 3xHxW after ToTensor (+ Normalize), for
                              the pipelines with a tensor
         and DIR/manifest.tsv: name, file, PIL format, PIL mode, width,
         height, plain_differs (0/1).

  resize --out-dir DIR --count N --seed S
      Random uint8 RGB arrays of random sizes (1..300, including 1xN) and
      random target sizes (down and up), resized with PIL BILINEAR:
      DIR/resize_K.in.npy, DIR/resize_K.out.npy, and DIR/resize.tsv
      (k, in_w, in_h, out_w, out_h).
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "jobs" / "tools"))
from script_args import OneLineErrorParser  # noqa: E402


sys.dont_write_bytecode = True  # keep the source tree free of __pycache__

try:
    import numpy as np
    import torch
    from PIL import Image, ImageDraw, ImageFilter, ImageOps
    from torchvision import transforms
except ImportError as missing:  # the Java test shows this message
    sys.exit(f"image_reference.py: {missing}; run jobs/install-test-deps "
             "(python3-pil, python3-numpy, python3-torch, python3-torchvision)")

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]

# name -> (resize short side or None, crop (h, w) or None, tensor: None | "scale" | "normalize")
PIPELINES = {
    "default": (256, (224, 224), "normalize"),
    "crop224": (None, (224, 224), None),
    "r160c192x128": (160, (192, 128), "scale"),
    "resize64": (64, None, None),
}


def photo(rng, width, height):
    """A photo-like RGB array: gradient, soft shapes, mottling and noise."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    t = (x / max(width, 1) + y / max(height, 1)) / 2
    base = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    canvas = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(canvas)
    for _ in range(6):
        x0, y0 = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        w, h = rng.uniform(0.1, 0.6) * width, rng.uniform(0.1, 0.6) * height
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([x0, y0, x0 + w, y0 + h], fill=colour)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=1.2))
    pixels = np.asarray(canvas).astype(np.float32) + rng.normal(0, 8, (height, width, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def asymmetric(width, height):
    """An image whose every flip and rotation differs: a ramp plus a marker in one corner."""
    y, x = np.mgrid[0:height, 0:width]
    arr = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x * 3 + y * 7) % 256], -1)
    arr[: height // 4, : width // 5] = (250, 20, 20)
    return arr.astype(np.uint8)


def edit_jpeg(data, drop_jfif=False, adobe=None, ids=None):
    """Rewrites a JPEG's markers: drop the JFIF APP0, add an Adobe APP14 with a transform, or
    renumber the components (in SOF and SOS alike)."""
    out = bytearray(data[:2])
    if adobe is not None:
        out += b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00" + bytes([adobe])
    pos = 2
    while True:
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment = bytearray(data[pos:pos + 2 + length])
        if ids is not None and marker in (0xC0, 0xC1, 0xC2):
            for i in range(segment[9]):
                segment[10 + 3 * i] = ids[i]
        if ids is not None and marker == 0xDA:
            for i in range(segment[4]):
                segment[5 + 2 * i] = ids[i]
        if not (drop_jfif and marker == 0xE0 and segment[4:9] == b"JFIF\0"):
            out += segment
        pos += 2 + length
        if marker == 0xDA:
            return bytes(out + data[pos:])


def gif_on_screen(data, screen_w, screen_h, left, top):
    """Enlarges a single-frame GIF's logical screen and moves its frame to (left, top)."""
    out = bytearray(data)
    out[6:10] = struct.pack("<HH", screen_w, screen_h)
    pos = 13 + (3 * (1 << ((out[10] & 7) + 1)) if out[10] & 0x80 else 0)
    while out[pos] == 0x21:  # extensions before the image
        pos += 2
        while out[pos]:
            pos += out[pos] + 1
        pos += 1
    assert out[pos] == 0x2C
    out[pos + 1:pos + 5] = struct.pack("<HH", left, top)
    return bytes(out)


def png_16bit(path, arr16, color_type):
    """A 16-bit PNG by hand (PIL writes 16-bit only for grey): colour type 2 (RGB) or 6 (RGBA)."""
    height, width = arr16.shape[:2]

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = arr16.astype(">u2").reshape(height, -1).tobytes()
    stride = len(rows) // height
    raw = b"".join(b"\x00" + rows[r * stride:(r + 1) * stride] for r in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 16, color_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 6))
                     + chunk(b"IEND", b""))


def write_images(out: Path) -> None:
    rng = np.random.default_rng(20240601)
    out.mkdir(parents=True, exist_ok=True)

    def img(width, height, mode="RGB"):
        return Image.fromarray(photo(rng, width, height)).convert(mode)

    img(500, 375).save(out / "jpeg_420_500x375.jpg", quality=90)
    img(375, 500).save(out / "jpeg_444_375x500.jpg", quality=90, subsampling=0)
    img(500, 375).save(out / "jpeg_progressive_500x375.jpg", quality=90, progressive=True)
    img(257, 255).save(out / "jpeg_422_257x255.jpg", quality=90, subsampling=1)
    img(256, 256).save(out / "jpeg_256x256.jpg", quality=90)
    img(224, 224).save(out / "jpeg_224x224.jpg", quality=90)
    img(100, 80).save(out / "jpeg_upscale_100x80.jpg", quality=90)
    img(300, 1000, "L").save(out / "jpeg_gray_300x1000.jpg", quality=90)
    img(320, 240, "CMYK").save(out / "jpeg_cmyk_320x240.jpg", quality=90)
    img(1, 1).save(out / "jpeg_1x1.jpg", quality=90)
    # Colour-space markers, edited into PIL's own JFIF files: libjpeg-turbo (PIL) decides RGB or
    # YCbCr from JFIF, Adobe transform and component IDs; the JDK's reader guesses differently in
    # some of these cases, so the Java decoder must follow libjpeg's rules itself.
    base444 = io.BytesIO()
    img(160, 120).save(base444, "JPEG", quality=90, subsampling=0)
    base420 = io.BytesIO()
    img(160, 120).save(base420, "JPEG", quality=90)
    (out / "jpeg_adobe_rgb_160x120.jpg").write_bytes(edit_jpeg(base444.getvalue(), drop_jfif=True, adobe=0))
    (out / "jpeg_adobe_ycc_160x120.jpg").write_bytes(edit_jpeg(base420.getvalue(), drop_jfif=True, adobe=1))
    (out / "jpeg_ids_rgb_160x120.jpg").write_bytes(edit_jpeg(base444.getvalue(), drop_jfif=True, ids=b"RGB"))
    (out / "jpeg_ids_012_444_160x120.jpg").write_bytes(edit_jpeg(base444.getvalue(), drop_jfif=True, ids=b"\0\1\2"))
    (out / "jpeg_nojfif_420_160x120.jpg").write_bytes(edit_jpeg(base420.getvalue(), drop_jfif=True))
    oriented = Image.fromarray(asymmetric(200, 120))
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        oriented.save(out / f"jpeg_exif{orientation}_200x120.jpg", quality=95, exif=exif.tobytes())

    img(500, 375).save(out / "png_rgb_500x375.png")
    img(375, 500, "RGBA").save(out / "png_rgba_375x500.png")
    rgba = np.dstack([photo(rng, 240, 180), rng.integers(0, 256, (180, 240), dtype=np.uint8)])
    Image.fromarray(rgba, "RGBA").save(out / "png_rgba_alpha_240x180.png")
    Image.fromarray(np.dstack([photo(rng, 256, 256)[..., 0], np.full((256, 256), 90, np.uint8)]), "LA") \
        .save(out / "png_la_256x256.png")
    img(224, 224, "L").save(out / "png_gray_224x224.png")
    palette = img(300, 200).quantize(colors=200)
    palette.info["transparency"] = 7
    palette.save(out / "png_palette_300x200.png", transparency=7)
    img(100, 80).convert("1").save(out / "png_1bit_100x80.png")
    img(90, 70).quantize(colors=16).save(out / "png_palette4bit_90x70.png", bits=4)
    gray16 = rng.integers(0, 65536, (90, 120), dtype=np.uint16)
    Image.fromarray(gray16, "I;16").save(out / "png_gray16_120x90.png")
    png_16bit(out / "png_rgb16_64x48.png", rng.integers(0, 65536, (48, 64, 3), dtype=np.uint16), 2)
    png_16bit(out / "png_rgba16_64x48.png", rng.integers(0, 65536, (48, 64, 4), dtype=np.uint16), 6)

    img(500, 375).save(out / "bmp_rgb_500x375.bmp")
    img(100, 80).quantize(colors=64).save(out / "bmp_palette_100x80.bmp")
    img(64, 64, "L").save(out / "bmp_gray_64x64.bmp")

    first = img(250, 180).quantize(colors=128)
    second = img(250, 180).quantize(colors=128)
    first.save(out / "gif_animated_250x180.gif", save_all=True, append_images=[second], duration=100, loop=0)
    img(64, 300).save(out / "gif_64x300.gif")
    # First frames smaller than the logical screen: PIL shows them at their offset on the screen,
    # the rest filled with the transparent index (or index 0).
    small = io.BytesIO()
    img(40, 30).quantize(colors=32).save(small, "GIF")
    (out / "gif_offset_frame_50x45.gif").write_bytes(gif_on_screen(small.getvalue(), 50, 45, 6, 9))
    small = io.BytesIO()
    img(40, 30).quantize(colors=32).save(small, "GIF", transparency=5)
    (out / "gif_offset_transparent_48x40.gif").write_bytes(gif_on_screen(small.getvalue(), 48, 40, 3, 2))

    img(500, 375).save(out / "webp_lossy_500x375.webp", quality=90)
    img(256, 256).save(out / "webp_lossless_256x256.webp", lossless=True)
    alpha = rng.integers(0, 256, (90, 120), dtype=np.uint8)
    Image.fromarray(np.dstack([photo(rng, 120, 90), alpha]), "RGBA").save(out / "webp_lossless_rgba_120x90.webp",
                                                                          lossless=True)

    img(100, 80).save(out / "tiff_rgb_100x80.tif")
    img(100, 80, "CMYK").save(out / "tiff_cmyk_100x80.tif")


def correct_decode(path: Path):
    """The decoded RGB of torchvision's PIL pipeline, and whether plain convert("RGB") differs."""
    with Image.open(path) as im:
        plain = np.asarray(im.convert("RGB"))
        correct = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        return correct, plain, im.format, im.mode


def pipeline(resize, crop, tensor):
    steps = []
    if resize:
        steps.append(transforms.Resize(resize))
    if crop:
        steps.append(transforms.CenterCrop(crop))
    geometry = transforms.Compose(steps)
    to_tensor = None
    if tensor == "scale":
        to_tensor = transforms.ToTensor()
    elif tensor == "normalize":
        to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    return geometry, to_tensor


def write_references(root: Path) -> None:
    images, refs = root / "images", root / "ref"
    refs.mkdir(parents=True, exist_ok=True)
    pipelines = {name: pipeline(*spec) for name, spec in PIPELINES.items()}
    rows = ["name\tfile\tformat\tmode\twidth\theight\tplain_differs"]
    for path in sorted(images.iterdir()):
        name = path.stem
        correct, plain, fmt, mode = correct_decode(path)
        differs = plain.shape != correct.shape or bool(np.any(plain != correct))
        np.save(refs / f"{name}.decoded.npy", correct)
        if differs:
            np.save(refs / f"{name}.plain.npy", plain)
        source = Image.fromarray(correct)
        for key, (geometry, to_tensor) in pipelines.items():
            geo = geometry(source)
            np.save(refs / f"{name}.{key}.npy", np.asarray(geo))
            if to_tensor is not None:
                np.save(refs / f"{name}.{key}.f32.npy", to_tensor(geo).numpy().astype(np.float32))
        rows.append(f"{name}\t{path.name}\t{fmt}\t{mode}\t{correct.shape[1]}\t{correct.shape[0]}\t{int(differs)}")
    (root / "manifest.tsv").write_text("\n".join(rows) + "\n")


def write_resize_cases(out: Path, count: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    rows = ["k\tin_w\tin_h\tout_w\tout_h"]
    fixed = [(1, 1, 7, 5), (1, 300, 4, 90), (300, 1, 120, 1), (2, 2, 1, 1), (500, 375, 341, 256), (375, 500, 256, 341),
             (100, 80, 320, 256), (7, 3, 256, 109)]
    for k in range(count):
        if k < len(fixed):
            in_w, in_h, out_w, out_h = fixed[k]
        else:
            in_w, in_h = (int(v) for v in rng.integers(1, 301, 2))
            out_w, out_h = (int(v) for v in rng.integers(1, 301, 2))
        arr = rng.integers(0, 256, (in_h, in_w, 3), dtype=np.uint8)
        # Smooth content too, where rounding matters most.
        if k % 2:
            arr = (arr.astype(np.float32) * 0.2 + np.linspace(0, 200, in_w)[None, :, None]).astype(np.uint8)
        resized = Image.fromarray(arr).resize((out_w, out_h), Image.BILINEAR)
        np.save(out / f"resize_{k}.in.npy", arr)
        np.save(out / f"resize_{k}.out.npy", np.asarray(resized))
        rows.append(f"{k}\t{in_w}\t{in_h}\t{out_w}\t{out_h}")
    (out / "resize.tsv").write_text("\n".join(rows) + "\n")


def main(argv=None) -> int:
    parser = OneLineErrorParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    images = commands.add_parser("images")
    images.add_argument("--out-dir", type=Path, required=True)
    resize = commands.add_parser("resize")
    resize.add_argument("--out-dir", type=Path, required=True)
    resize.add_argument("--count", type=int, default=60)
    resize.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    if args.command == "images":
        write_images(args.out_dir / "images")
        write_references(args.out_dir)
    else:
        write_resize_cases(args.out_dir, args.count, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
