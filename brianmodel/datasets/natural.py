"""Whitened natural image patches (Burbank 2015, Figs 4b and 7; Olshausen & Field 1996).

Photographs bundled with scikit-image and scikit-learn (or the images of a
``.mat`` file, such as the classic ``IMAGES.mat`` / ``IMAGES_RAW.mat``, or a
folder of photographs) are converted to grey levels, optionally shrunk by an integer factor (block
means), whitened with the filter ``f exp(-(f/f0)^4)`` that
flattens the 1/f amplitude spectrum of natural scenes and cuts the highest
frequencies, cut into random p x p patches and scaled to unit variance.
The cut-off f0 is Olshausen & Field's 0.4 cycles/pixel for ``.mat`` images
and folders of photographs, and ours, 0.2, for the bundled photographs (:data:`BUNDLED_F0`).
Patches are cached on disk, keyed by everything that makes them.
"""
from __future__ import annotations

import hashlib
import io
import os

import numpy as np
from scipy.io import loadmat

from ..errors import DatasetError
from ..io import atomic_write
from ..memory import check_array_fits
from .base import Dataset

__all__ = ["photographs", "downsample", "whiten", "narrow_cutoff", "extract_patches", "natural_patches",
           "load_mat_images", "image_files", "load_image_folder", "radial_spectrum"]

# Natural scenes among the bundled photographs (no text, drawings or micrographs).
SKIMAGE_PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "rocket", "grass", "gravel", "moon")
SKLEARN_PHOTOS = ("china.jpg", "flower.jpg")

# Ours. The bundled photographs are downsampled JPEGs: above ~0.15 cycles/pixel
# their power falls as f^-3 rather than f^-2 (blur, quantisation) and carries
# JPEG peaks (moon, china), so whitening up to 0.4 cycles/pixel amplifies
# noise and block edges; with 0.2 the patches' structure is edges and bars,
# and trained fields are oriented (docs/natural-patches.md).
BUNDLED_F0 = 0.2
OLSHAUSEN_F0 = 0.4

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp", ".pgm", ".iml", ".imc")
# van Hateren & van der Schaaf's natural scenes (1998): raw 1536 x 1024 big-endian 16-bit files
VAN_HATEREN_SHAPE = (1024, 1536)


def _grey(image):
    image = np.asarray(image, dtype=float)
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.299, 0.587, 0.114])
    return image


def photographs() -> list[np.ndarray]:
    """The bundled natural photographs, grey levels in [0, 1]."""
    import skimage.data  # heavy, and only for natural patches
    from sklearn.datasets import load_sample_images

    images = [_grey(getattr(skimage.data, name)()) for name in SKIMAGE_PHOTOS]
    sample = load_sample_images()
    images += [_grey(image) for name, image in zip(sample.filenames, sample.images)
               if os.path.basename(name) in SKLEARN_PHOTOS]
    return [image / 255.0 for image in images]


def load_mat_images(path) -> tuple[list[np.ndarray], bool]:
    """Images of a ``.mat`` file, as (list of 2-D arrays, already_whitened).

    The file holds one 3-D array (height, width, n_images): ``IMAGES`` (the
    classic whitened set) or ``IMAGES_RAW`` (not whitened), or any single
    3-D array, taken as not whitened.
    """
    if not os.path.exists(path):
        raise DatasetError(f"no such .mat file: {path!r}")
    try:
        content = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    except Exception as error:  # scipy raises several types for broken files
        raise DatasetError(f"{path}: not a readable .mat file ({error})") from None
    arrays = {k: v for k, v in content.items() if isinstance(v, np.ndarray) and v.ndim == 3}
    if "IMAGES" in arrays:
        name, whitened = "IMAGES", True
    elif len(arrays) == 1:
        name, whitened = next(iter(arrays)), False
    else:
        raise DatasetError(f"{path}: expected one 3-D image array (height, width, n), found {sorted(content)}")
    stack = arrays[name]
    if not (np.issubdtype(stack.dtype, np.integer) or np.issubdtype(stack.dtype, np.floating)):
        raise DatasetError(f"{path}: {name} must hold real numbers, not {stack.dtype}")
    stack = stack.astype(float)
    if not np.isfinite(stack).all():
        raise DatasetError(f"{path}: {name} holds NaN or infinite values")
    flat = [k for k in range(stack.shape[2]) if stack[:, :, k].std() == 0]
    if flat:
        raise DatasetError(f"{path}: {name}'s image(s) {flat[:5]} are uniform (nothing to whiten or learn)")
    return [stack[:, :, k] for k in range(stack.shape[2])], whitened


def image_files(folder) -> list[str]:
    """The photographs in ``folder`` (not its subfolders), by name: files ending in :data:`IMAGE_SUFFIXES`."""
    if not os.path.isdir(folder):
        return []
    return sorted(os.path.join(folder, name) for name in os.listdir(folder)
                  if name.lower().endswith(IMAGE_SUFFIXES) and os.path.isfile(os.path.join(folder, name)))


def load_image_folder(folder) -> list[np.ndarray]:
    """The photographs in ``folder`` (:func:`image_files`) as grey levels, in the file's own scale (8- or
    16-bit: whitening scales each image to unit variance)."""
    from PIL import Image, UnidentifiedImageError  # only for photographs

    files = image_files(folder)
    if not files:
        raise DatasetError(f"no photographs ({', '.join(IMAGE_SUFFIXES)}) in {folder!r}")
    images = []
    for path in files:
        if path.lower().endswith((".iml", ".imc")):
            images.append(_van_hateren(path))
            continue
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB") if image.mode in ("P", "PA", "CMYK", "LA") else image)
        except (OSError, UnidentifiedImageError) as error:
            raise DatasetError(f"{path}: not a readable image ({error})") from None
        images.append(_grey(pixels))
    return images


def _van_hateren(path) -> np.ndarray:
    """A van Hateren .iml/.imc file: 1536 x 1024 pixels, 16-bit big-endian, no header."""
    pixels = np.fromfile(path, dtype=">u2")
    if pixels.size != np.prod(VAN_HATEREN_SHAPE):
        raise DatasetError(f"{path}: a van Hateren image has {VAN_HATEREN_SHAPE[1]} x {VAN_HATEREN_SHAPE[0]} "
                           f"16-bit pixels, this file {pixels.size * 2} bytes")
    return pixels.reshape(VAN_HATEREN_SHAPE).astype(float)


def downsample(image: np.ndarray, factor: int) -> np.ndarray:
    """``image`` shrunk ``factor`` times in each direction, each pixel the mean of a factor x factor block
    (the rows and columns that do not fill a block are dropped)."""
    if factor == 1:
        return image
    h, w = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    return image[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))


def whiten(image: np.ndarray, f0: float = OLSHAUSEN_F0) -> np.ndarray:
    """Filter ``image`` with R(f) = f exp(-(f/f0)^4), f in cycles per pixel; unit variance out.

    Natural images have amplitude spectra falling as 1/f; multiplying by f
    flattens them (decorrelates nearby pixels) and the exponential removes
    the highest, noise-dominated frequencies (Olshausen & Field 1996: f0 =
    200 cycles per 512-pixel picture, 0.4 cycles per pixel).
    """
    return _filtered(image, lambda spectrum, f: spectrum * f * np.exp(-((f / f0) ** 4)))


def narrow_cutoff(image: np.ndarray, f0: float, whitened_f0: float = OLSHAUSEN_F0) -> np.ndarray:
    """An image already whitened with cut-off ``whitened_f0``, as if it had been whitened with the lower
    cut-off ``f0`` (the filter's ratio, exp(-(f/f0)^4 + (f/whitened_f0)^4)); unit variance out.
    A higher cut-off cannot be restored: the frequencies above the first one are gone."""
    if not 0 < f0 <= whitened_f0:
        raise DatasetError(f"images whitened with the cut-off {whitened_f0} cycles/pixel can only be narrowed: "
                           f"f0 {f0} must be in (0, {whitened_f0}]")
    return _filtered(image, lambda spectrum, f: spectrum * np.exp(-((f / f0) ** 4) + (f / whitened_f0) ** 4))


def _filtered(image, filter_spectrum):
    """``image`` less its mean, its spectrum filtered by ``filter_spectrum(spectrum, f)`` (f: each
    coefficient's radial frequency in cycles/pixel); unit variance out."""
    image = np.asarray(image, dtype=float)
    image = image - image.mean()
    fy = np.fft.fftfreq(image.shape[0])[:, None]
    fx = np.fft.fftfreq(image.shape[1])[None, :]
    filtered = np.real(np.fft.ifft2(filter_spectrum(np.fft.fft2(image), np.sqrt(fx ** 2 + fy ** 2))))
    return filtered / filtered.std()


def radial_spectrum(image: np.ndarray, n_bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """(frequency in cycles/pixel, mean power) averaged over rings of the 2-D power spectrum."""
    power = np.abs(np.fft.fft2(image - image.mean())) ** 2
    fy = np.fft.fftfreq(image.shape[0])[:, None]
    fx = np.fft.fftfreq(image.shape[1])[None, :]
    f = np.sqrt(fx ** 2 + fy ** 2).ravel()
    edges = np.linspace(1.0 / min(image.shape), 0.5, n_bins + 1)
    which = np.digitize(f, edges) - 1
    ok = (which >= 0) & (which < n_bins)
    total = np.bincount(which[ok], power.ravel()[ok], n_bins)
    count = np.bincount(which[ok], minlength=n_bins)
    centres = 0.5 * (edges[1:] + edges[:-1])
    keep = count > 0
    return centres[keep], total[keep] / count[keep]


def extract_patches(images, n_patches: int, size: int, seed: int, margin: int | None = None) -> np.ndarray:
    """``n_patches`` random size x size patches, drawn evenly from the images, unit variance overall.

    ``margin`` pixels at each border are avoided (the FFT filter wraps around
    the edges); default: one patch size.
    """
    if size <= 0 or n_patches <= 0:
        raise DatasetError(f"patch size and count must be positive, got {size} and {n_patches}")
    margin = size if margin is None else margin
    usable = [im for im in images if min(im.shape) >= size + 2 * margin]
    if not usable:
        raise DatasetError(f"no image is large enough for {size} x {size} patches with a {margin}-pixel margin")
    rng = np.random.default_rng([seed, 2])
    which = rng.integers(len(usable), size=n_patches)
    patches = np.empty((n_patches, size, size))
    for k, index in enumerate(which):
        image = usable[index]
        y = rng.integers(margin, image.shape[0] - margin - size + 1)
        x = rng.integers(margin, image.shape[1] - margin - size + 1)
        patches[k] = image[y:y + size, x:x + size]
    patches -= patches.mean()
    return patches / patches.std()


def natural_patches(n_patches: int = 20000, size: int = 16, seed: int = 0, mat_file: str | None = None,
                    f0: float | None = None, shrink: int = 1, cache_dir: str | None = None,
                    image_folder: str | None = None) -> Dataset:
    """Whitened patches of the bundled photographs (or of ``mat_file``, or of the photographs in
    ``image_folder``), cached on disk.

    ``shrink``: the images are first shrunk by this integer factor (:func:`downsample`), so that a
    patch covers ``shrink``² times more of the scene: with the bundled photographs, ``shrink=2`` and
    ``f0=0.4`` whiten up to the same scene frequency as ``f0=0.2`` at full size, with the structure
    at Olshausen & Field's scale relative to the patch. An already whitened ``IMAGES`` array is not
    shrunk (that would low-pass filter it).

    ``f0``: the whitening cut-off in cycles/pixel; default :data:`BUNDLED_F0`
    for the bundled photographs, :data:`OLSHAUSEN_F0` for a ``.mat`` file's raw
    images and for a folder of photographs. A whitened ``IMAGES`` array (cut-off 0.4) is used as it is,
    or, with a lower ``f0``, narrowed to it (:func:`narrow_cutoff`).
    """
    if mat_file and image_folder:
        raise DatasetError("natural patches come from a .mat file or a folder of photographs, not both")
    if f0 is None:
        f0 = OLSHAUSEN_F0 if mat_file or image_folder else BUNDLED_F0
    if not 0 < f0 <= 0.5:
        raise DatasetError(f"the whitening cut-off f0 must be in (0, 0.5] cycles/pixel, got {f0}")
    if not isinstance(shrink, (int, np.integer)) or shrink < 1:
        raise DatasetError(f"the shrink factor must be a whole number >= 1, got {shrink!r}")
    shrink = int(shrink)
    if mat_file and not os.path.exists(mat_file):
        raise DatasetError(f"no such .mat file: {mat_file!r}")
    check_patches_fit(n_patches, size)
    if image_folder:  # every file's name and time: a photograph added or replaced makes other patches
        files = image_files(image_folder)
        if not files:
            raise DatasetError(f"no photographs ({', '.join(IMAGE_SUFFIXES)}) in {image_folder!r}")
        source, stamp = "folder:" + os.path.abspath(image_folder), tuple((os.path.basename(f), _mtime(f)) for f in files)
    else:
        source = os.path.abspath(mat_file) if mat_file else "bundled:" + ",".join(SKIMAGE_PHOTOS + SKLEARN_PHOTOS)
        stamp = _mtime(mat_file)
    what = (source, n_patches, size, seed, f0, stamp) + ((shrink,) if shrink != 1 else ())
    if mat_file and f0 != OLSHAUSEN_F0:  # a new key: a whitened IMAGES array ignored f0 before narrow_cutoff
        what += ("narrowed",)
    key = hashlib.sha1(repr(what).encode()).hexdigest()[:16]  # shrink 1 keeps the earlier caches' names
    cache_dir = cache_dir or os.environ.get("BRIANMODEL_DATA_CACHE",
                                            os.path.join(os.path.expanduser("~"), ".cache", "brianmodel", "datasets"))
    path = os.path.join(cache_dir, f"natural-{size}x{size}-{n_patches}-{key}.npz")
    if os.path.exists(path):
        with np.load(path) as f:
            patches = f["patches"]
    else:
        if mat_file:
            images, whitened = load_mat_images(mat_file)
        elif image_folder:
            images, whitened = load_image_folder(image_folder), False
        else:
            images, whitened = photographs(), False
        if whitened and shrink != 1:
            raise DatasetError(f"{mat_file}: its IMAGES are whitened already; shrinking them would low-pass "
                               "filter them (use the raw images)")
        if not whitened:
            images = [whiten(downsample(image, shrink), f0) for image in images]
        elif f0 != OLSHAUSEN_F0:
            try:
                images = [narrow_cutoff(image, f0) for image in images]
            except DatasetError as e:
                raise DatasetError(f"{mat_file}: {e}") from None
        patches = extract_patches(images, n_patches, size, seed)
        os.makedirs(cache_dir, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, patches=patches)
        atomic_write(path, buffer.getvalue())
    if image_folder:
        name = os.path.basename(os.path.normpath(image_folder))
    else:
        name = "natural" if not mat_file else os.path.splitext(os.path.basename(mat_file))[0]
    return Dataset(name, patches, np.full(len(patches), -1))


def check_patches_fit(n_patches: int, size: int) -> None:
    """Refuse patches whose array (and the network's ON/OFF copy of it) would not fit in memory."""
    if not isinstance(size, (int, np.integer)) or size < 2 or not isinstance(n_patches, (int, np.integer)) \
            or n_patches < 1:
        raise DatasetError(f"patches need a whole size >= 2 pixels and a whole count >= 1, got {size!r}, {n_patches!r}")
    check_array_fits((3, n_patches, size, size), f"{n_patches} patches of {size} x {size} pixels",
                     "use fewer or smaller patches", DatasetError)


def _mtime(path):
    return os.path.getmtime(path) if path and os.path.exists(path) else None
