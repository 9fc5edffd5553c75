"""Images as users have them, and PIL's answer on each: the reference of FormatVariantsTest.

Run by the Java tests with Debian's /usr/bin/python3 (PIL 9.4, numpy; tiffcp from libtiff-tools;
jobs/install-test-deps installs them):

  format_variants.py --out-dir DIR

1. Writes seeded test images into DIR/images/, one file per case, in the spirit of the public
   conformance suites (all written here, none copied): PNG (every colour type and bit depth,
   Adam7 interlacing, palettes with tRNS, gAMA/sBIT/text chunks, eXIf and the legacy "Raw
   profile type exif" text chunk, XMP, split IDATs, APNG), BMP (1/4/8/16/24/32 bpp, RLE4/RLE8
   with deltas and end-of-line codes, OS/2 v1 and v2 headers, bitfields, top-down rows), TIFF
   (strips and tiles, LZW/Deflate/PackBits/JPEG, predictor, planar configuration 2, grey and
   palette and CMYK, CMYK-JPEG, Lab, 16-bit, float, associated alpha, multipage, orientation),
   WebP (lossy, lossless, alpha, EXIF chunk, animated), GIF (interlaced, local palettes, frames
   off the screen, no palette, odd LZW code sizes) and JPEG (EXIF orientation in every kind of
   entry, broken ICC profiles, MPO).
2. For every file, writes PIL's answer into DIR/ref/NAME.npy: the uint8 HxWx3 array of
   ImageOps.exif_transpose(Image.open(f)).convert("RGB"), torchvision's PIL pipeline before
   Resize. For single-channel 16-bit, 32-bit and float images, which convert("RGB") clips to
   0-255, also DIR/ref/NAME.scale.npy: the same samples scaled instead (integers to their high
   8 bits, floats from 0..1).
3. DIR/manifest.tsv: name, file, group (the row of the report), PIL's mode, width, height,
   deep (1 for 16-bit/32-bit/float single-channel images), and pil (ok, or the error PIL raised).
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import tempfile
import warnings
import zlib
from pathlib import Path

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "jobs" / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from image_reference import asymmetric  # noqa: E402
from script_args import OneLineErrorParser  # noqa: E402


try:
    import numpy as np
    from PIL import Image, ImageOps
except ImportError as missing:
    sys.exit(f"format_variants.py: {missing}; run jobs/install-test-deps (python3-pil, python3-numpy)")

RNG = np.random.default_rng(20261201)
DEEP_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16S", "F")


# ---------------------------------------------------------------- content


def photo(width, height):
    """Smooth colour fields with edges and noise: what resizing and chroma subsampling see."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    c0, c1 = RNG.uniform(0, 255, 3), RNG.uniform(0, 255, 3)
    t = (x / max(width, 1) + y / max(height, 1)) / 2
    arr = c0 * (1 - t[..., None]) + c1 * t[..., None]
    for _ in range(4):
        cx, cy, r = RNG.uniform(0, width), RNG.uniform(0, height), RNG.uniform(1, max(width, height, 6) / 3)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        arr[inside] = RNG.uniform(0, 255, 3)
    arr += RNG.normal(0, 6, arr.shape)
    return np.clip(arr, 0, 255).astype(np.uint8)


def indices(width, height, colors):
    """Palette indices in blocks and runs (what RLE and LZW compress), all values used."""
    y, x = np.mgrid[0:height, 0:width]
    arr = ((x // 3 + y // 5 * 7) % colors).astype(np.uint8)
    arr[height // 2:, : width // 2] = RNG.integers(0, colors, (height - height // 2, width // 2))
    return arr


def palette(colors):
    return RNG.integers(0, 256, (colors, 3), dtype=np.uint8)


# ---------------------------------------------------------------- PNG


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_rows(samples, bit_depth):
    """HxWxC integer samples to PNG scanlines (without filter bytes), big-endian, MSB first."""
    height, width, channels = samples.shape
    if bit_depth == 16:
        return [samples[r].astype(">u2").tobytes() for r in range(height)]
    if bit_depth == 8:
        return [samples[r].astype(np.uint8).tobytes() for r in range(height)]
    per_byte = 8 // bit_depth
    rows = []
    for r in range(height):
        flat = samples[r].reshape(-1).astype(np.uint8)
        padded = np.zeros(-(-len(flat) // per_byte) * per_byte, np.uint8)
        padded[: len(flat)] = flat
        groups = padded.reshape(-1, per_byte)
        packed = np.zeros(len(groups), np.uint8)
        for i in range(per_byte):
            packed |= groups[:, i] << (8 - bit_depth * (i + 1))
        rows.append(packed.tobytes())
    return rows


def filtered(rows, bpp, kinds):
    """Applies PNG filters (one per row, cycling through kinds) to scanlines."""
    out = bytearray()
    prev = bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        kind = kinds[i % len(kinds)]
        cur = np.frombuffer(row, np.uint8).astype(np.int32)
        up = np.frombuffer(prev, np.uint8).astype(np.int32)
        left = np.concatenate([np.zeros(bpp, np.int32), cur[:-bpp]]) if len(cur) > bpp else np.zeros_like(cur)
        upleft = np.concatenate([np.zeros(bpp, np.int32), up[:-bpp]]) if len(up) > bpp else np.zeros_like(up)
        if kind == 0:
            res = cur
        elif kind == 1:
            res = cur - left
        elif kind == 2:
            res = cur - up
        elif kind == 3:
            res = cur - (left + up) // 2
        else:
            p = left + up - upleft
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, upleft))
            res = cur - pred
        out += bytes([kind]) + (res & 0xFF).astype(np.uint8).tobytes()
        prev = row
    return bytes(out)


def png_bytes(samples, bit_depth, color_type, interlace=False, plte=None, before=(), after=(), filters=(0,),
              idat_pieces=1, trns=None, level=9):
    """A PNG of HxWxC samples, written chunk by chunk (PIL cannot write most of these)."""
    height, width, channels = samples.shape
    bpp = max(1, bit_depth * channels // 8)
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += filtered(pack_rows(sub, bit_depth), bpp, filters)
    else:
        raw = filtered(pack_rows(samples, bit_depth), bpp, filters)
    data = zlib.compress(raw, level)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0,
                                                               int(interlace)))
    for c in before:
        out += c
    if plte is not None:
        out += chunk(b"PLTE", plte.astype(np.uint8).tobytes())
    if trns is not None:
        out += chunk(b"tRNS", trns)
    step = -(-len(data) // idat_pieces)
    for i in range(0, len(data), step):
        out += chunk(b"IDAT", data[i:i + step])
    for c in after:
        out += c
    return out + chunk(b"IEND", b"")


def tiff_exif(orientation, typ=3, count=1, big_endian=False, extra_entries=()):
    """A minimal EXIF TIFF structure whose IFD0 holds an orientation entry of the given type."""
    e = ">" if big_endian else "<"
    sizes = {1: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}
    fmt = {1: "B", 3: "H", 4: "I", 6: "b", 7: "B", 8: "h", 9: "i", 11: "f", 12: "d"}
    entries = list(extra_entries) + [(0x0112, typ, count, orientation)]
    head = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    ifd_size = 2 + 12 * len(entries) + 4
    blob = b""
    body = struct.pack(e + "H", len(entries))
    for tag, t, n, value in entries:
        if t in (5, 10):
            payload = struct.pack(e + ("II" if t == 5 else "ii"), *value) * n
        else:
            payload = struct.pack(e + fmt[t] * n, *([value] * n))
        if len(payload) <= 4:
            field = payload.ljust(4, b"\0")
        else:
            field = struct.pack(e + "I", 8 + ifd_size + len(blob))
            blob += payload
        assert len(payload) == sizes[t] * n
        body += struct.pack(e + "HHI", tag, t, n) + field
    return head + body + b"\0\0\0\0" + blob


def xmp_packet(orientation, attribute=True):
    value = (f'tiff:Orientation="{orientation}"' if attribute
             else f"><tiff:Orientation>{orientation}</tiff:Orientation")
    desc = (f'<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/" {value}/>' if attribute
            else f'<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"{value}></rdf:Description>')
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' + desc +
            '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")


def write_png(out):
    w, h = 37, 29  # odd sizes: partial bytes at row ends, partial Adam7 blocks
    for color_type, depths in ((0, (1, 2, 4, 8, 16)), (2, (8, 16)), (3, (1, 2, 4, 8)), (4, (8, 16)), (6, (8, 16))):
        for depth in depths:
            channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
            if color_type == 3:
                colors = min(1 << depth, 200)
                samples = indices(w, h, colors)[..., None]
                plte = palette(colors)
            else:
                samples = RNG.integers(0, 1 << depth, (h, w, channels))
                samples[..., : min(channels, 3)] = (photo(w, h)[..., : min(channels, 3)].astype(np.int64)
                                                    * ((1 << depth) - 1) // 255)
                plte = None
            for interlace in (False, True):
                name = f"png_c{color_type}_d{depth}{'_i' if interlace else ''}"
                (out / f"{name}.png").write_bytes(png_bytes(samples, depth, color_type, interlace, plte,
                                                            filters=(0, 1, 2, 3, 4)))
    for size in (1, 2, 3, 5, 7, 9, 33):  # PngSuite's s01-s40: tiny and odd, interlaced
        (out / f"png_size{size}_i.png").write_bytes(png_bytes(photo(size, size), 8, 2, True, filters=(4,)))
    samples = photo(40, 30)
    tr = chunk(b"tRNS", struct.pack(">HHH", 10, 20, 30))
    (out / "png_rgb_trns.png").write_bytes(png_bytes(samples, 8, 2, before=[tr]))
    grey = photo(40, 30)[..., :1]
    (out / "png_grey_trns.png").write_bytes(png_bytes(grey, 8, 0, before=[chunk(b"tRNS", b"\0\x40")]))
    idx = indices(40, 30, 16)[..., None]
    (out / "png_palette_trns.png").write_bytes(png_bytes(idx, 4, 3, plte=palette(16), trns=bytes(range(0, 256, 16))))
    (out / "png_palette_trns_short.png").write_bytes(png_bytes(idx, 8, 3, plte=palette(16), trns=bytes([0, 128, 255])))
    # a palette shorter than the indices used: PIL shows such indices as grey
    (out / "png_palette_short.png").write_bytes(png_bytes(indices(40, 30, 16)[..., None], 8, 3, plte=palette(10)))
    anc = [chunk(b"gAMA", struct.pack(">I", 45455 * 2)), chunk(b"sBIT", b"\5\6\5"), chunk(b"cHRM", bytes(32)),
           chunk(b"tEXt", b"Title\0a test"), chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"zipped")),
           chunk(b"pHYs", struct.pack(">IIB", 2835, 2835, 1)), chunk(b"bKGD", struct.pack(">HHH", 255, 0, 0)),
           chunk(b"tIME", struct.pack(">HBBBBB", 2026, 12, 1, 12, 0, 0))]
    (out / "png_ancillary_gamma.png").write_bytes(png_bytes(photo(40, 30), 8, 2, before=anc))
    (out / "png_gamma_grey16.png").write_bytes(png_bytes(RNG.integers(0, 255, (30, 40, 1)), 16, 0,
                                                         before=[chunk(b"gAMA", struct.pack(">I", 100000))]))
    (out / "png_idat_split_1byte.png").write_bytes(png_bytes(photo(20, 16), 8, 2, idat_pieces=400))
    (out / "png_zlib_level0.png").write_bytes(png_bytes(photo(20, 16), 8, 2, level=0))
    # Orientation: eXIf before and after IDAT, the legacy text profile, XMP in iTXt.
    arr = asymmetric(36, 20)
    for o in (3, 6, 8):
        (out / f"png_exif_o{o}.png").write_bytes(png_bytes(arr, 8, 2, before=[chunk(b"eXIf", tiff_exif(o))]))
    (out / "png_exif_after_idat_o6.png").write_bytes(png_bytes(arr, 8, 2, after=[chunk(b"eXIf", tiff_exif(6))]))
    (out / "png_exif_be_o5.png").write_bytes(png_bytes(arr, 8, 2, before=[chunk(b"eXIf", tiff_exif(5, big_endian=True))]))
    hexed = (b"Exif\0\0" + tiff_exif(8)).hex()
    lines = "\n".join(hexed[i:i + 72] for i in range(0, len(hexed), 72))
    raw = f"\nexif\n{len(hexed) // 2:8d}\n{lines}\n".encode("latin-1")
    (out / "png_rawprofile_ztxt_o8.png").write_bytes(png_bytes(arr, 8, 2, before=[
        chunk(b"zTXt", b"Raw profile type exif\0\0" + zlib.compress(raw))]))
    text = f"\nexif\n{len(tiff_exif(7)) + 6:8d}\n{(b'Exif' + bytes(2) + tiff_exif(7)).hex()}\n".encode("latin-1")
    (out / "png_rawprofile_text_o7.png").write_bytes(png_bytes(arr, 8, 2, before=[
        chunk(b"tEXt", b"Raw profile type exif\0" + text)]))
    for o, attribute in ((6, True), (3, False)):
        xmp = xmp_packet(o, attribute)
        (out / f"png_xmp_itxt_o{o}.png").write_bytes(png_bytes(arr, 8, 2, before=[
            chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + xmp)]))
    (out / "png_xmp_ztxt_itxt_o8.png").write_bytes(png_bytes(arr, 8, 2, before=[
        chunk(b"iTXt", b"XML:com.adobe.xmp\0\1\0\0\0" + zlib.compress(xmp_packet(8)))]))
    # EXIF says 1, XMP says 6: PIL takes the EXIF entry
    (out / "png_exif1_xmp6.png").write_bytes(png_bytes(arr, 8, 2, before=[
        chunk(b"eXIf", tiff_exif(1)), chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + xmp_packet(6))]))
    # APNG: PIL's frame 0 is the default image
    frames = [photo(40, 30) for _ in range(3)]
    Image.fromarray(frames[0]).save(out / "apng_3frames.apng", save_all=True,
                                    append_images=[Image.fromarray(f) for f in frames[1:]], duration=100)
    Image.fromarray(frames[0]).save(out / "apng_3frames_png.png", save_all=True,
                                    append_images=[Image.fromarray(f) for f in frames[1:]], duration=100)
    Image.fromarray(frames[0]).save(out / "apng_hidden_default.png", save_all=True, default_image=True,
                                    append_images=[Image.fromarray(f) for f in frames[1:]], duration=100)
    for mode in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
        im = Image.fromarray(photo(33, 21)).convert(mode if mode != "I;16" else "L")
        if mode == "I;16":
            im = Image.fromarray((np.asarray(im).astype(np.uint16) * 257 + RNG.integers(0, 257, (21, 33))
                                  .astype(np.uint16)), "I;16")
        im.save(out / f"png_pil_{mode.replace(';', '')}.png")


# ---------------------------------------------------------------- BMP


def bmp_file(info, pixel_data, palette_bytes=b"", masks=b""):
    offset = 14 + len(info) + len(masks) + len(palette_bytes)
    size = offset + len(pixel_data)
    return b"BM" + struct.pack("<IHHI", size, 0, 0, offset) + info + masks + palette_bytes + pixel_data


def info_header(version, width, height, bpp, compression=0, colors=0, image_size=0, masks=None):
    """BITMAPINFOHEADER (40), V4 (108), V5 (124), OS/2 v2 (64 and its 16-byte short form)."""
    if version == "os2v1":
        return struct.pack("<IHHHH", 12, width, height, 1, bpp)
    base = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bpp, compression, image_size, 2835, 2835, colors, 0)
    if version == 40:
        return base
    if version == "os2v2":
        return struct.pack("<I", 64) + base[4:] + bytes(24)
    if version == "os2v2short":
        return struct.pack("<IiiHH", 16, width, height, 1, bpp)
    r, g, b, a = masks or (0, 0, 0, 0)
    v4 = struct.pack("<I", version) + base[4:] + struct.pack("<IIII", r, g, b, a) + b"BGRs" + bytes(36 + 12)
    return v4 + (bytes(16) if version == 124 else b"")


def bmp_rows(rows_bytes):
    return b"".join(r + bytes(-len(r) % 4) for r in rows_bytes)


def rle8(idx, deltas=False):
    out = bytearray()
    height, width = idx.shape
    for y in range(height - 1, -1, -1):
        row = idx[y]
        x = 0
        if deltas and y == height // 2:
            out += b"\x00\x02\x05\x00"  # delta: skip 5 pixels; PIL leaves them index 0
            x = 5
        while x < width:
            run = 1
            while x + run < width and row[x + run] == row[x] and run < 255:
                run += 1
            if run >= 3 or width - x < 3:
                out += bytes([run, row[x]])
                x += run
            else:
                n = min(width - x, 250)
                lit = row[x:x + n]
                out += bytes([0, n]) + lit.tobytes() + (b"\0" if n % 2 else b"")
                x += n
        out += b"\x00\x00"
    return bytes(out + b"\x00\x01")


def rle4(idx):
    out = bytearray()
    height, width = idx.shape
    for y in range(height - 1, -1, -1):
        row = idx[y]
        x = 0
        while x < width:
            if x + 1 < width and x % 8 == 0 and width - x >= 8:
                n = 8
                lit = row[x:x + n]
                out += bytes([0, n]) + bytes((lit[i] << 4) | lit[i + 1] for i in range(0, n, 2))
                x += n
            else:
                run = min(width - x, 2 + (x % 5))
                a = row[x]
                b = row[x + 1] if x + 1 < width else 0
                out += bytes([run, (a << 4) | b])
                x += run
        out += b"\x00\x00"
    return bytes(out + b"\x00\x01")


def write_bmp(out):
    w, h = 35, 23
    rgb = photo(w, h)
    bgr = rgb[..., ::-1]
    bottom_up = [bgr[y].tobytes() for y in range(h - 1, -1, -1)]
    (out / "bmp_24.bmp").write_bytes(bmp_file(info_header(40, w, h, 24), bmp_rows(bottom_up)))
    (out / "bmp_24_topdown.bmp").write_bytes(bmp_file(info_header(40, w, -h, 24),
                                                      bmp_rows([bgr[y].tobytes() for y in range(h)])))
    bgrx = np.dstack([bgr, np.full((h, w), 7, np.uint8)])
    (out / "bmp_32.bmp").write_bytes(bmp_file(info_header(40, w, h, 32),
                                              bmp_rows([bgrx[y].tobytes() for y in range(h - 1, -1, -1)])))
    for version in (108, 124):
        (out / f"bmp_32_v{version}_alpha.bmp").write_bytes(bmp_file(
            info_header(version, w, h, 32, 3, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)),
            bmp_rows([np.dstack([bgr, RNG.integers(0, 256, (h, w), dtype=np.uint8)])[y].tobytes()
                      for y in range(h - 1, -1, -1)])))
    # 32-bit bitfields in an unusual order (R in the low byte)
    rgbx = np.dstack([rgb, np.zeros((h, w), np.uint8)])
    (out / "bmp_32_bitfields_rgb.bmp").write_bytes(bmp_file(
        info_header(40, w, h, 32, 3), bmp_rows([rgbx[y].tobytes() for y in range(h - 1, -1, -1)]),
        masks=struct.pack("<III", 0xFF, 0xFF00, 0xFF0000)))
    for name, masks, fn in (("555", (0x7C00, 0x3E0, 0x1F), lambda r, g, b: (r >> 3) << 10 | (g >> 3) << 5 | b >> 3),
                            ("565", (0xF800, 0x7E0, 0x1F), lambda r, g, b: (r >> 3) << 11 | (g >> 2) << 5 | b >> 3)):
        v = fn(rgb[..., 0].astype(np.uint16), rgb[..., 1].astype(np.uint16), rgb[..., 2].astype(np.uint16))
        rows = [v[y].astype("<u2").tobytes() for y in range(h - 1, -1, -1)]
        (out / f"bmp_16_{name}_bitfields.bmp").write_bytes(bmp_file(info_header(40, w, h, 16, 3), bmp_rows(rows),
                                                                    masks=struct.pack("<III", *masks)))
        if name == "555":
            (out / "bmp_16_555_default.bmp").write_bytes(bmp_file(info_header(40, w, h, 16), bmp_rows(rows)))
    for bpp, colors in ((1, 2), (4, 16), (8, 256), (8, 40)):
        idx = indices(w, h, colors)
        pal = palette(colors)
        quad = b"".join(bytes([b, g, r, 0]) for r, g, b in pal)
        rows = pack_rows(idx[::-1, :, None], bpp)
        (out / f"bmp_{bpp}_{colors}c.bmp").write_bytes(bmp_file(info_header(40, w, h, bpp, colors=colors),
                                                                bmp_rows(rows), quad))
        triple = b"".join(bytes([b, g, r]) for r, g, b in pal)
        (out / f"bmp_{bpp}_{colors}c_os2v1.bmp").write_bytes(bmp_file(info_header("os2v1", w, h, bpp),
                                                                      bmp_rows(rows), triple if colors == 1 << bpp
                                                                      else triple + bytes(3 * ((1 << bpp) - colors))))
        (out / f"bmp_{bpp}_{colors}c_os2v2.bmp").write_bytes(bmp_file(info_header("os2v2", w, h, bpp, colors=colors),
                                                                      bmp_rows(rows), quad))
    (out / "bmp_24_os2v1.bmp").write_bytes(bmp_file(info_header("os2v1", w, h, 24), bmp_rows(bottom_up)))
    (out / "bmp_24_os2v2short.bmp").write_bytes(bmp_file(info_header("os2v2short", w, h, 24), bmp_rows(bottom_up)))
    # palette with fewer colours than the index range; index beyond it
    idx = indices(w, h, 16)
    pal = palette(12)
    quad = b"".join(bytes([b, g, r, 0]) for r, g, b in pal)
    (out / "bmp_8_palette_short.bmp").write_bytes(bmp_file(info_header(40, w, h, 8, colors=12),
                                                           bmp_rows(pack_rows(idx[::-1, :, None], 8)), quad))
    # RLE
    for colors, name, deltas in ((256, "rle8", False), (200, "rle8_delta", True)):
        idx = indices(w, h, colors)
        pal = palette(colors)
        quad = b"".join(bytes([b, g, r, 0]) for r, g, b in pal)
        data = rle8(idx, deltas)
        (out / f"bmp_{name}.bmp").write_bytes(bmp_file(info_header(40, w, h, 8, 1, colors, len(data)), data, quad))
    idx = indices(w, h, 16)
    pal = palette(16)
    quad = b"".join(bytes([b, g, r, 0]) for r, g, b in pal)
    data = rle4(idx)
    (out / "bmp_rle4.bmp").write_bytes(bmp_file(info_header(40, w, h, 4, 2, 16, len(data)), data, quad))
    # "questionable" cases: an end of bitmap early, a delta past a row end, a line shorter than the width
    idx = indices(w, h, 64)
    pal = palette(64)
    quad = b"".join(bytes([b, g, r, 0]) for r, g, b in pal)
    full = rle8(idx)
    early = full[: len(full) // 2]
    cut = early.rfind(b"\x00\x00")
    (out / "bmp_rle8_early_end.bmp").write_bytes(bmp_file(info_header(40, w, h, 8, 1, 64), early[:cut] + b"\x00\x01",
                                                          quad))
    short_lines = b"".join(bytes([10, i % 64]) + b"\x00\x00" for i in range(h)) + b"\x00\x01"
    (out / "bmp_rle8_short_lines.bmp").write_bytes(bmp_file(info_header(40, w, h, 8, 1, 64), short_lines, quad))
    delta_far = bytes([5, 3]) + b"\x00\x02\x40\x02" + bytes([4, 9]) + b"\x00\x01"
    (out / "bmp_rle8_delta_past_row.bmp").write_bytes(bmp_file(info_header(40, w, h, 8, 1, 64), delta_far, quad))
    (out / "bmp_rle8_topdown.bmp").write_bytes(bmp_file(info_header(40, w, -h, 8, 1, 64), rle8(idx), quad))
    Image.fromarray(rgb).save(out / "bmp_pil_rgb.bmp")
    Image.fromarray(rgb).convert("L").save(out / "bmp_pil_l.bmp")
    Image.fromarray(rgb).convert("1").save(out / "bmp_pil_1.bmp")
    Image.fromarray(rgb).quantize(50).save(out / "bmp_pil_p.bmp")


# ---------------------------------------------------------------- TIFF


def tiffcp(src, dst, *options):
    subprocess.run(["tiffcp", *options, str(src), str(dst)], check=True, capture_output=True)


def write_tiff(out):
    w, h = 67, 45
    rgb = Image.fromarray(photo(w, h))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bases = {
            "rgb": rgb, "l": rgb.convert("L"), "1": rgb.convert("1"), "p": rgb.quantize(60),
            "cmyk": rgb.convert("CMYK"), "rgba": Image.fromarray(np.dstack([photo(w, h), photo(w, h)[..., 0]]), "RGBA"),
            "la": Image.fromarray(np.dstack([photo(w, h)[..., 0], photo(w, h)[..., 1]]), "LA"),
            "lab": None,  # made from random Lab samples below
        }
        for kind, im in bases.items():
            if kind == "lab":
                lab = np.dstack([RNG.integers(20, 235, (h, w)), RNG.integers(90, 170, (h, w)),
                                 RNG.integers(90, 170, (h, w))]).astype(np.uint8)
                im = Image.frombytes("LAB", (w, h), lab.tobytes())
            base = tmp / f"{kind}.tif"
            im.save(base)
            (out / f"tiff_{kind}_raw.tif").write_bytes(base.read_bytes())
            for comp in ("lzw", "zip", "packbits"):
                tiffcp(base, out / f"tiff_{kind}_{comp}.tif", "-c", comp)
            tiffcp(base, out / f"tiff_{kind}_tiles_lzw.tif", "-c", "lzw", "-t", "-w", "32", "-l", "16")
            if kind in ("rgb", "cmyk", "rgba", "lab", "la"):
                tiffcp(base, out / f"tiff_{kind}_planar_lzw.tif", "-c", "lzw", "-p", "separate")
            if kind in ("rgb", "l", "cmyk"):
                tiffcp(base, out / f"tiff_{kind}_lzw_predictor.tif", "-c", "lzw:2")
                tiffcp(base, out / f"tiff_{kind}_zip_predictor_tiles.tif", "-c", "zip:2", "-t", "-w", "16", "-l", "16")
        # JPEG strips hold a multiple of 16 rows (YCbCr 4:2:0 needs whole MCUs)
        tiffcp(tmp / "rgb.tif", out / "tiff_rgb_jpeg_ycbcr.tif", "-c", "jpeg:90", "-r", "16")
        tiffcp(tmp / "rgb.tif", out / "tiff_rgb_jpeg_rgb.tif", "-c", "jpeg:r:90", "-r", "16")
        tiffcp(tmp / "rgb.tif", out / "tiff_rgb_jpeg_tiles.tif", "-c", "jpeg:90", "-t", "-w", "32", "-l", "32")
        tiffcp(tmp / "l.tif", out / "tiff_l_jpeg.tif", "-c", "jpeg:90", "-r", "16")
        tiffcp(tmp / "cmyk.tif", out / "tiff_cmyk_jpeg.tif", "-c", "jpeg:90", "-r", "16")
        # compressions libtiff (so PIL) reads and no Java reader does
        for comp in ("lzma", "lzma:2", "zstd", "zstd:2", "webp"):
            tiffcp(tmp / "rgb.tif", out / f"tiff_rgb_{comp.replace(':2', '_predictor')}.tif", "-c", comp)
        tiffcp(tmp / "rgba.tif", out / "tiff_rgba_webp.tif", "-c", "webp")
        tiffcp(tmp / "rgb.tif", out / "tiff_rgb_zstd_tiles.tif", "-c", "zstd", "-t", "-w", "32", "-l", "16")
        tiffcp(tmp / "1.tif", out / "tiff_1_g4.tif", "-c", "g4")
        tiffcp(tmp / "1.tif", out / "tiff_1_g3.tif", "-c", "g3")
        for name, im in (("rgb", rgb), ("l", rgb.convert("L"))):
            for comp in ("tiff_lzw", "tiff_adobe_deflate", "jpeg", "packbits"):
                if comp == "jpeg" and name == "l":
                    continue
                im.save(out / f"tiff_pil_{name}_{comp}.tif", compression=comp)
        # 16-bit, 32-bit and float samples
        g16 = (photo(w, h)[..., 0].astype(np.uint16) * 257 + RNG.integers(0, 257, (h, w)).astype(np.uint16))
        Image.fromarray(g16, "I;16").save(tmp / "g16.tif")
        (out / "tiff_gray16.tif").write_bytes((tmp / "g16.tif").read_bytes())
        tiffcp(tmp / "g16.tif", out / "tiff_gray16_lzw_predictor.tif", "-c", "lzw:2")
        small16 = RNG.integers(0, 400, (h, w)).astype(np.uint16)
        Image.fromarray(small16, "I;16").save(out / "tiff_gray16_small_values.tif")
        Image.fromarray(RNG.integers(-300, 70000, (h, w)).astype(np.int32), "I").save(out / "tiff_int32.tif")
        Image.fromarray(RNG.uniform(-0.2, 1.2, (h, w)).astype(np.float32), "F").save(out / "tiff_float32.tif")
        Image.fromarray((RNG.uniform(0, 300, (h, w))).astype(np.float32), "F").save(tmp / "f.tif")
        tiffcp(tmp / "f.tif", out / "tiff_float32_lzw_predictor3.tif", "-c", "lzw:3")
        rgb16 = np.stack([photo(w, h)[..., c].astype(np.uint16) * 257 for c in range(3)], -1)
        (out / "tiff_rgb16.tif").write_bytes(tiff_by_hand(rgb16, 16, 2))
        (out / "tiff_rgb16_be.tif").write_bytes(tiff_by_hand(rgb16, 16, 2, big_endian=True))
        (out / "tiff_gray16_be.tif").write_bytes(tiff_by_hand(g16[..., None], 16, 1, big_endian=True))
        (out / "tiff_gray_miniswhite.tif").write_bytes(tiff_by_hand(photo(w, h)[..., :1], 8, 0))
        (out / "tiff_gray4.tif").write_bytes(tiff_by_hand(RNG.integers(0, 16, (h, w, 1)), 4, 1))
        (out / "tiff_gray2.tif").write_bytes(tiff_by_hand(RNG.integers(0, 4, (h, w, 1)), 2, 1))
        cmyk16 = np.stack([photo(w, h)[..., c % 3].astype(np.uint16) * 257 for c in range(4)], -1)
        (out / "tiff_cmyk16.tif").write_bytes(tiff_by_hand(cmyk16, 16, 5))
        rgb.convert("YCbCr").save(out / "tiff_ycbcr_pil.tif")
        (out / "tiff_rgba_associated.tif").write_bytes(tiff_by_hand(premultiplied(w, h), 8, 2, extra=1))
        (out / "tiff_rgba_unassociated.tif").write_bytes(tiff_by_hand(
            np.dstack([photo(w, h), RNG.integers(0, 256, (h, w))]), 8, 2, extra=2))
        # multipage: PIL reads the first page
        frames = [Image.fromarray(photo(w, h)) for _ in range(3)]
        frames[0].save(out / "tiff_multipage.tif", save_all=True, append_images=frames[1:])
        # orientation tag in the TIFF's own IFD, which exif_transpose applies
        for o in (3, 6):
            (out / f"tiff_orientation{o}.tif").write_bytes(tiff_by_hand(asymmetric(30, 20), 8, 2, orientation=o))
        (out / "tiff_bigtiff.tif").write_bytes(bigtiff(photo(20, 12)))


def premultiplied(w, h):
    rgb = photo(w, h).astype(np.int32)
    a = RNG.integers(0, 256, (h, w))
    a[:, : w // 3] = 255
    return np.dstack([rgb * a[..., None] // 255, a])


def tiff_by_hand(samples, bits, photometric, big_endian=False, extra=None, orientation=None):
    """An uncompressed single-strip TIFF of HxWxC integer samples."""
    height, width, channels = samples.shape
    e = ">" if big_endian else "<"
    if bits == 16:
        data = samples.astype(e + "u2").tobytes()
    elif bits == 8:
        data = samples.astype(np.uint8).tobytes()
    else:
        data = b"".join(pack_rows(samples[y:y + 1], bits)[0] for y in range(height))
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, channels, [bits] * channels), (259, 3, 1, 1),
               (262, 3, 1, photometric), (273, 4, 1, 0), (277, 3, 1, channels), (278, 4, 1, height),
               (279, 4, 1, len(data))]
    if orientation:
        entries.append((274, 3, 1, orientation))
    if extra is not None:
        entries.append((338, 3, 1, extra))
    entries.sort()
    n = len(entries)
    ifd_at = 8
    blob_at = ifd_at + 2 + 12 * n + 4
    blob = b""
    fields = []
    for tag, typ, count, value in entries:
        values = value if isinstance(value, list) else [value]
        payload = struct.pack(e + ("H" if typ == 3 else "I") * count, *values)
        if len(payload) > 4:
            fields.append((tag, typ, count, struct.pack(e + "I", blob_at + len(blob))))
            blob += payload
        else:
            fields.append((tag, typ, count, payload.ljust(4, b"\0")))
    data_at = blob_at + len(blob)
    head = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", ifd_at)
    ifd = struct.pack(e + "H", n)
    for tag, typ, count, field in fields:
        if tag == 273:
            field = struct.pack(e + "I", data_at)
        ifd += struct.pack(e + "HHI", tag, typ, count) + field
    return head + ifd + b"\0\0\0\0" + blob + data


def bigtiff(rgb):
    """A BigTIFF (64-bit offsets) of one uncompressed RGB strip."""
    height, width, _ = rgb.shape
    data = rgb.tobytes()
    entries = [(256, 3, 1, width), (257, 3, 1, height), (258, 3, 3, None), (259, 3, 1, 1), (262, 3, 1, 2),
               (273, 16, 1, None), (277, 3, 1, 3), (278, 3, 1, height), (279, 16, 1, len(data))]
    ifd_at = 16
    bits_at = ifd_at + 8 + 20 * len(entries) + 8
    data_at = bits_at + 8
    ifd = struct.pack("<Q", len(entries))
    for tag, typ, count, value in entries:
        if tag == 258:
            field = struct.pack("<HHHH", 8, 8, 8, 0)
        elif tag == 273:
            field = struct.pack("<Q", data_at)
        elif typ == 3:
            field = struct.pack("<H", value).ljust(8, b"\0")
        else:
            field = struct.pack("<Q", value)
        ifd += struct.pack("<HHQ", tag, typ, count) + field
    return b"II\x2b\x00" + struct.pack("<HHQ", 8, 0, ifd_at) + ifd + bytes(8) + bytes(8) + data


# ---------------------------------------------------------------- WebP, GIF, JPEG


def exif_bytes(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def write_webp(out):
    im = Image.fromarray(photo(61, 43))
    im.save(out / "webp_lossy.webp", quality=85)
    im.save(out / "webp_lossy_q50.webp", quality=50)
    im.save(out / "webp_lossless.webp", lossless=True)
    rgba = Image.fromarray(np.dstack([photo(61, 43), RNG.integers(0, 256, (43, 61))]).astype(np.uint8), "RGBA")
    rgba.save(out / "webp_lossy_alpha.webp", quality=85)
    rgba.save(out / "webp_lossless_alpha.webp", lossless=True)
    arr = Image.fromarray(asymmetric(40, 26))
    for o in (3, 6, 8):
        arr.save(out / f"webp_lossless_exif_o{o}.webp", lossless=True, exif=exif_bytes(o))
    arr.save(out / "webp_lossy_exif_o6.webp", quality=90, exif=exif_bytes(6))
    frames = [Image.fromarray(photo(40, 30)) for _ in range(3)]
    frames[0].save(out / "webp_animated.webp", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    frames[0].save(out / "webp_animated_lossy.webp", save_all=True, append_images=frames[1:], duration=100,
                   quality=80)
    alpha_frames = [Image.fromarray(np.dstack([photo(40, 30), RNG.integers(0, 256, (30, 40))]).astype(np.uint8), "RGBA")
                    for _ in range(2)]
    alpha_frames[0].save(out / "webp_animated_lossy_alpha.webp", save_all=True, append_images=alpha_frames[1:],
                         duration=100, quality=80)


def write_gif(out):
    w, h = 41, 27
    im = Image.fromarray(photo(w, h)).quantize(64)
    im.save(out / "gif_plain.gif")
    im.save(out / "gif_interlaced.gif", interlace=True)
    im.save(out / "gif_transparent.gif", transparency=3)
    Image.fromarray(photo(w, h)).quantize(2).save(out / "gif_2colors.gif")
    Image.fromarray(photo(w, h)).convert("L").save(out / "gif_grey.gif")
    frames = [Image.fromarray(photo(w, h)).quantize(32) for _ in range(3)]
    frames[0].save(out / "gif_animated.gif", save_all=True, append_images=frames[1:], duration=80, loop=0)
    data = bytearray((out / "gif_plain.gif").read_bytes())
    # frame larger than the logical screen; screen of zero size
    bigger = bytearray(data)
    bigger[6:10] = struct.pack("<HH", w - 10, h - 5)
    (out / "gif_frame_beyond_screen.gif").write_bytes(bytes(bigger))
    zero = bytearray(data)
    zero[6:10] = struct.pack("<HH", 0, 0)
    (out / "gif_screen_zero.gif").write_bytes(bytes(zero))
    # no trailer; junk after the image
    (out / "gif_no_trailer.gif").write_bytes(bytes(data[:-1]))
    (out / "gif_junk_after.gif").write_bytes(bytes(data) + b"garbage after the trailer")
    # no global colour table and no local one: PIL shows the indices as grey
    (out / "gif_no_palette.gif").write_bytes(gif_by_hand(indices(w, h, 16), None, None, 4))
    (out / "gif_local_palette.gif").write_bytes(gif_by_hand(indices(w, h, 16), None, palette(16), 4))
    (out / "gif_both_palettes.gif").write_bytes(gif_by_hand(indices(w, h, 16), palette(16), palette(16), 4))
    (out / "gif_code_size_8_for_4bit.gif").write_bytes(gif_by_hand(indices(w, h, 16), palette(16), None, 8))
    (out / "gif_code_size_2_small_palette.gif").write_bytes(gif_by_hand(indices(w, h, 4), palette(4), None, 2))
    (out / "gif_palette_short_of_indices.gif").write_bytes(gif_by_hand(indices(w, h, 16), palette(8), None, 4))
    # odd LZW streams: the largest code size, no end code, data cut inside the image
    (out / "gif_code_size_11.gif").write_bytes(gif_by_hand(indices(w, h, 16), palette(16), None, 11))
    whole = gif_by_hand(indices(w, h, 16), palette(16), None, 4)
    (out / "gif_no_end_code.gif").write_bytes(gif_by_hand(indices(w, h, 16), palette(16), None, 4, end_code=False))
    (out / "gif_frame_zero_size.gif").write_bytes(zero_sized_frame(whole))
    (out / "gif_code_size_1.gif").write_bytes(gif_by_hand(indices(w, h, 2), palette(2), None, 1))
    # stray bytes between blocks, which PIL skips one by one
    d = descriptor_at(whole)
    (out / "gif_stray_bytes.gif").write_bytes(whole[:d] + b"\0\0\x7f" + whole[d:])


def lzw(idx, code_size, end_code=True):
    """GIF LZW: a clear code first, no table growth beyond 12 bits (clears again when full)."""
    clear, end = 1 << code_size, (1 << code_size) + 1
    width, table, out, acc, nbits = code_size + 1, {}, bytearray(), 0, 0

    def emit(code):
        nonlocal acc, nbits
        acc |= code << nbits
        nbits += width
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8

    emit(clear)
    next_code = end + 1
    prefix = None
    for value in idx.reshape(-1).tolist():
        key = (prefix, value)
        if prefix is None:
            prefix = value
        elif key in table:
            prefix = table[key]
        else:
            emit(prefix)
            table[key] = next_code
            next_code += 1
            if next_code > (1 << width) and width < 12:
                width += 1
            if next_code >= 4095:
                emit(clear)
                table, next_code, width = {}, end + 1, code_size + 1
            prefix = value
    emit(prefix)
    if end_code:
        emit(end)
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def gif_by_hand(idx, global_palette, local_palette, code_size, end_code=True):
    height, width = idx.shape

    def table_flags(pal):
        n = len(pal)
        size = max(1, (n - 1).bit_length()) - 1
        return 0x80 | size, pal.tobytes() + bytes(3 * ((2 << size) - n))

    screen_flags, gct = table_flags(global_palette) if global_palette is not None else (0, b"")
    out = b"GIF89a" + struct.pack("<HHBBB", width, height, screen_flags | (0x70 if gct else 0), 0, 0) + gct
    local_flags, lct = table_flags(local_palette) if local_palette is not None else (0, b"")
    out += b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, local_flags) + lct
    data = lzw(idx, code_size, end_code)
    out += bytes([code_size]) + b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                                         for i in range(0, len(data), 255)) + b"\0"
    return out + b"\x3b"


def descriptor_at(gif):
    """The offset of the image descriptor of a GIF written by gif_by_hand (no extensions)."""
    return 13 + (3 * (2 << (gif[10] & 7)) if gif[10] & 0x80 else 0)


def zero_sized_frame(gif):
    out = bytearray(gif)
    d = descriptor_at(gif)
    out[d + 5:d + 9] = bytes(4)
    return bytes(out)


def jpeg_with_segment(jpeg, segment):
    return jpeg[:2] + segment + jpeg[2:]


def app(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def write_jpeg(out):
    im = Image.fromarray(photo(64, 48))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    plain = buf.getvalue()
    (out / "jpeg_plain.jpg").write_bytes(plain)
    arr = Image.fromarray(asymmetric(40, 24))
    oriented = io.BytesIO()
    arr.save(oriented, "JPEG", quality=95)
    base = oriented.getvalue()
    # orientation entries of every type and shape
    cases = {"short_o6": tiff_exif(6), "long_o8": tiff_exif(8, 4), "byte_o6": tiff_exif(6, 1),
             "sbyte_o3": tiff_exif(3, 6), "undefined_o6": tiff_exif(6, 7), "sshort_o5": tiff_exif(5, 8),
             "rational_o6": tiff_exif((6, 1), 5), "rational_half": tiff_exif((13, 2), 5),
             "float_o3": tiff_exif(3.0, 11), "count2_o6": tiff_exif(6, 3, 2), "count3_o7": tiff_exif(7, 3, 3),
             "o9": tiff_exif(9), "o0": tiff_exif(0), "be_o7": tiff_exif(7, big_endian=True),
             "two_entries_o3_o6": tiff_exif(6, extra_entries=[(0x0112, 3, 1, 3)])}
    for name, exif in cases.items():
        (out / f"jpeg_exif_{name}.jpg").write_bytes(jpeg_with_segment(base, app(0xE1, b"Exif\0\0" + exif)))
    # an IFD offset past the end; a cut entry table
    broken = bytearray(tiff_exif(6))
    broken[4:8] = struct.pack("<I", 5000)
    (out / "jpeg_exif_ifd_past_end.jpg").write_bytes(jpeg_with_segment(base, app(0xE1, b"Exif\0\0" + bytes(broken))))
    (out / "jpeg_exif_cut_entries.jpg").write_bytes(jpeg_with_segment(base, app(0xE1, b"Exif\0\0" + tiff_exif(6)[:14])))
    # XMP in JPEG: PIL 9.4 does not read its orientation
    (out / "jpeg_xmp_o6.jpg").write_bytes(jpeg_with_segment(base, app(0xE1, b"http://ns.adobe.com/xap/1.0/\0"
                                                                      + xmp_packet(6))))
    # ICC profiles: garbage, cut, wrong sequence numbers; PIL decodes ignoring them
    garbage = RNG.integers(0, 256, 400, dtype=np.uint8).tobytes()
    (out / "jpeg_icc_garbage.jpg").write_bytes(jpeg_with_segment(plain, app(0xE2, b"ICC_PROFILE\0\1\1" + garbage)))
    header = struct.pack(">I", 100000) + b"lcms" + bytes(120)
    (out / "jpeg_icc_cut.jpg").write_bytes(jpeg_with_segment(plain, app(0xE2, b"ICC_PROFILE\0\1\1" + header)))
    (out / "jpeg_icc_bad_sequence.jpg").write_bytes(jpeg_with_segment(
        plain, app(0xE2, b"ICC_PROFILE\0\3\2" + garbage) + app(0xE2, b"ICC_PROFILE\0\3\2" + garbage)))
    (out / "jpeg_icc_empty.jpg").write_bytes(jpeg_with_segment(plain, app(0xE2, b"ICC_PROFILE\0\1\1")))
    im.save(out / "jpeg_progressive.jpg", quality=85, progressive=True)
    im.convert("L").save(out / "jpeg_grey.jpg", quality=85)
    im.convert("CMYK").save(out / "jpeg_cmyk.jpg", quality=85)
    im.save(out / "jpeg_444.jpg", quality=85, subsampling=0)
    # MPO: two JPEGs; PIL's frame 0 is the first
    Image.fromarray(photo(64, 48)).save(out / "mpo_two_frames.mpo", save_all=True,
                                        append_images=[Image.fromarray(photo(64, 48))])
    Image.fromarray(asymmetric(40, 24)).save(out / "mpo_exif_o6.mpo", save_all=True, exif=exif_bytes(6),
                                             append_images=[Image.fromarray(photo(40, 24))])


# ---------------------------------------------------------------- references


GROUPS = (("apng", "APNG"), ("mpo", "MPO"), ("png", "PNG"), ("bmp", "BMP"), ("tiff", "TIFF"), ("webp", "WebP"),
          ("gif", "GIF"), ("jpeg", "JPEG"))


def group_of(name):
    for prefix, group in GROUPS:
        if name.startswith(prefix):
            return group
    raise ValueError(name)


def scaled(im, bits):
    """Single-channel deep samples scaled to 8 bits instead of clipped: the 'scale' option."""
    arr = np.asarray(im)
    if im.mode == "F":
        grey = np.clip(np.rint(arr.astype(np.float64) * 255), 0, 255)
    else:
        grey = np.clip(np.clip(arr.astype(np.int64), 0, None) >> (bits - 8), 0, 255)
    return np.repeat(grey.astype(np.uint8)[..., None], 3, axis=2)


def write_references(root):
    images, refs = root / "images", root / "ref"
    refs.mkdir(parents=True, exist_ok=True)
    rows = ["name\tfile\tgroup\tmode\twidth\theight\tdeep\tpil"]
    for path in sorted(images.iterdir()):
        name = path.stem
        mode, width, height, deep, status = "-", 0, 0, 0, "ok"
        try:
            with Image.open(path) as im:
                mode = im.mode
                upright = ImageOps.exif_transpose(im)
                rgb = np.asarray(upright.convert("RGB"))
                height, width = rgb.shape[:2]
                np.save(refs / f"{name}.npy", rgb)
                if mode in DEEP_MODES:
                    deep = 1
                    bits = im.tag_v2.get(258, (16,))[0] if hasattr(im, "tag_v2") else 16  # PNG: 16
                    np.save(refs / f"{name}.scale.npy", scaled(upright, bits))
        except Exception as error:  # noqa: BLE001 - what PIL raises is the reference's answer
            status = f"{type(error).__name__}: {error}".replace("\t", " ").replace("\n", " ")[:200]
        rows.append(f"{name}\t{path.name}\t{group_of(name)}\t{mode}\t{width}\t{height}\t{deep}\t{status}")
    (root / "manifest.tsv").write_text("\n".join(rows) + "\n")


def main(argv=None):
    parser = OneLineErrorParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # PIL warns about the odd files it is meant to read
    images = args.out_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    for write in (write_png, write_bmp, write_tiff, write_webp, write_gif, write_jpeg):
        write(images)
    write_references(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
