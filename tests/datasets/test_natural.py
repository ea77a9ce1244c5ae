import numpy as np
import pytest

from scipy.io import savemat

import brianmodel.datasets as datasets
import brianmodel.datasets.natural as natural
from brianmodel.datasets import load_dataset
from brianmodel.datasets.natural import extract_patches, load_mat_images, natural_patches, radial_spectrum, whiten
from brianmodel.errors import DatasetError


def _one_over_f_image(n=256, seed=0):
    """Random phases, amplitude 1/f: the spectrum of natural scenes (power slope -2)."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(n)[:, None]
    fx = np.fft.fftfreq(n)[None, :]
    f = np.sqrt(fx ** 2 + fy ** 2)
    f[0, 0] = 1
    spectrum = np.exp(2j * np.pi * rng.uniform(size=(n, n))) / f
    return np.real(np.fft.ifft2(spectrum))


def _slope(image, band=(0.02, 0.2)):
    f, power = radial_spectrum(image)
    keep = (f > band[0]) & (f < band[1])
    return np.polyfit(np.log(f[keep]), np.log(power[keep]), 1)[0]


def test_whitening_flattens_a_one_over_f_spectrum():
    image = _one_over_f_image()
    assert _slope(image) == pytest.approx(-2, abs=0.15)  # the synthetic image is 1/f
    white = whiten(image)
    assert abs(_slope(white)) < 0.2  # flat below the cut-off
    assert white.std() == pytest.approx(1)
    f, power = radial_spectrum(white)
    assert power[f > 0.45].mean() < 0.5 * power[(f > 0.1) & (f < 0.2)].mean()  # high frequencies cut


def test_patches_shape_seed_and_variance():
    images = [np.random.default_rng(k).normal(size=(64, 80)) for k in range(3)]
    a = extract_patches(images, 50, 8, seed=1)
    assert a.shape == (50, 8, 8)
    assert a.std() == pytest.approx(1) and abs(a.mean()) < 1e-12
    np.testing.assert_array_equal(a, extract_patches(images, 50, 8, seed=1))
    assert not np.array_equal(a, extract_patches(images, 50, 8, seed=2))
    with pytest.raises(DatasetError, match="large enough"):
        extract_patches(images, 5, 40, seed=0)


def test_bundled_natural_patches_are_cached(tmp_path):
    d = natural_patches(n_patches=300, size=12, seed=3, cache_dir=str(tmp_path))
    assert d.images.shape == (300, 12, 12) and d.n_visible == 288
    cached = list(tmp_path.iterdir())
    assert len(cached) == 1
    again = natural_patches(n_patches=300, size=12, seed=3, cache_dir=str(tmp_path))
    np.testing.assert_array_equal(d.images, again.images)


def test_mat_files(tmp_path):
    raw = np.stack([_one_over_f_image(128, seed=k) for k in range(2)], axis=2)
    savemat(tmp_path / "IMAGES_RAW.mat", {"IMAGES_RAW": raw})
    images, whitened = load_mat_images(str(tmp_path / "IMAGES_RAW.mat"))
    assert len(images) == 2 and not whitened
    d = natural_patches(n_patches=40, size=8, mat_file=str(tmp_path / "IMAGES_RAW.mat"), cache_dir=str(tmp_path))
    assert d.images.shape == (40, 8, 8) and d.name == "IMAGES_RAW"
    savemat(tmp_path / "two.mat", {"a": raw, "b": raw})
    with pytest.raises(DatasetError, match="one 3-D image array"):
        load_mat_images(str(tmp_path / "two.mat"))
    with pytest.raises(DatasetError, match="no such .mat file"):
        load_dataset(str(tmp_path / "missing.mat"))


@pytest.mark.parametrize("fault, message", [
    (lambda raw: raw.astype(complex), "real numbers"),
    (lambda raw: np.where(np.arange(raw.size).reshape(raw.shape) == 5, np.nan, raw), "NaN or infinite"),
    (lambda raw: np.where(np.arange(raw.size).reshape(raw.shape) == 5, np.inf, raw), "NaN or infinite"),
    (lambda raw: np.concatenate([raw, np.ones(raw.shape[:2] + (1,))], axis=2), r"image\(s\) \[2\] are uniform"),
])
def test_a_mat_file_of_images_that_cannot_be_whitened_is_refused(tmp_path, fault, message):
    raw = np.stack([_one_over_f_image(32, seed=k) for k in range(2)], axis=2)
    savemat(tmp_path / "IMAGES_RAW.mat", {"IMAGES_RAW": fault(raw)})
    with pytest.raises(DatasetError, match=message):
        load_mat_images(str(tmp_path / "IMAGES_RAW.mat"))


def test_patches_that_would_not_fit_in_memory_are_refused_before_any_is_made(tmp_path, monkeypatch):
    monkeypatch.setattr("brianmodel.memory.available_memory", lambda: 10 * 2 ** 20)  # 10 MiB
    read = []
    monkeypatch.setattr(natural, "photographs", lambda: read.append(1))
    with pytest.raises(DatasetError, match="20000 patches of 16 x 16 pixels need about 0.1 GiB; this machine has "
                                           "0.0 GiB available: use fewer or smaller patches"):
        natural_patches(cache_dir=str(tmp_path))
    assert not read
    with pytest.raises(DatasetError, match="use fewer or smaller patches"):
        datasets.gabor_patches(n_patches=20000)
    savemat(tmp_path / "IMAGES_RAW.mat", {"IMAGES_RAW": np.stack([_one_over_f_image(32, seed=0)], axis=2)})
    small = natural_patches(n_patches=100, size=8, mat_file=str(tmp_path / "IMAGES_RAW.mat"), cache_dir=str(tmp_path))
    assert small.images.shape == (100, 8, 8)  # 150 KiB: made


def test_natural_patch_size_and_cutoff_are_read_from_the_dataset_name(monkeypatch):
    asked = {}
    monkeypatch.setattr(datasets, "natural_patches", lambda **kw: asked.update(kw) or "patches")
    assert load_dataset("natural:8") == "patches" and asked == {"size": 8, "f0": None}
    assert load_dataset("natural:12:0.4") == "patches" and asked == {"size": 12, "f0": 0.4}
    asked.clear()
    assert load_dataset("natural:16:0.4:2") == "patches" and asked == {"size": 16, "f0": 0.4, "shrink": 2}
    asked.clear()
    assert load_dataset("natural:16::3") == "patches" and asked == {"size": 16, "f0": None, "shrink": 3}
    for bad in ("natural:16:0.4:0", "natural:16:0.4:1.5", "natural:16:0.4:x"):
        with pytest.raises(DatasetError, match="shrink factor"):
            load_dataset(bad)
    for bad in ("natural:", "natural:x", "natural:1", "natural::0.3"):
        with pytest.raises(DatasetError, match="patch size"):
            load_dataset(bad)
    with pytest.raises(DatasetError, match="cut-off"):
        load_dataset("natural:8:high")


def test_whitening_cutoff_defaults_and_range(tmp_path, monkeypatch):
    # Small stand-ins for the photographs: the default cut-off is the bundled one, and it is in the cache key.
    images = [np.random.default_rng(k).normal(size=(64, 64)) for k in range(2)]
    monkeypatch.setattr(natural, "photographs", lambda: images)
    default = natural.natural_patches(n_patches=20, size=8, cache_dir=str(tmp_path))
    explicit = natural.natural_patches(n_patches=20, size=8, f0=natural.BUNDLED_F0, cache_dir=str(tmp_path))
    olshausen = natural.natural_patches(n_patches=20, size=8, f0=natural.OLSHAUSEN_F0, cache_dir=str(tmp_path))
    assert np.array_equal(default.images, explicit.images)
    assert not np.allclose(default.images, olshausen.images)
    assert len(list(tmp_path.iterdir())) == 2
    for bad in (0.0, 0.6):
        with pytest.raises(DatasetError, match="cut-off"):
            natural.natural_patches(n_patches=20, size=8, f0=bad, cache_dir=str(tmp_path))


def test_downsample_takes_block_means_and_drops_the_ragged_edge():
    image = np.arange(35.0).reshape(5, 7)
    small = natural.downsample(image, 2)
    assert small.shape == (2, 3)
    assert small[0, 0] == np.mean([0, 1, 7, 8]) and small[1, 2] == np.mean([18, 19, 25, 26])
    assert natural.downsample(image, 1) is image


def test_shrunk_photographs_are_their_own_patches(tmp_path, monkeypatch):
    # Shrinking changes what a patch covers, so it is in the cache key; 1 keeps the earlier caches' names.
    images = [np.random.default_rng(k).normal(size=(96, 96)) for k in range(2)]
    monkeypatch.setattr(natural, "photographs", lambda: images)
    full = natural.natural_patches(n_patches=20, size=8, cache_dir=str(tmp_path))
    same = natural.natural_patches(n_patches=20, size=8, shrink=1, cache_dir=str(tmp_path))
    shrunk = natural.natural_patches(n_patches=20, size=8, shrink=2, cache_dir=str(tmp_path))
    assert np.array_equal(full.images, same.images) and len(list(tmp_path.iterdir())) == 2
    assert shrunk.images.shape == full.images.shape and not np.allclose(full.images, shrunk.images)
    for bad in (0, 2.0, -1):
        with pytest.raises(DatasetError, match="shrink factor"):
            natural.natural_patches(n_patches=20, size=8, shrink=bad, cache_dir=str(tmp_path))


def test_whitened_images_are_not_shrunk(tmp_path):
    savemat(tmp_path / "IMAGES.mat", {"IMAGES": np.random.default_rng(0).normal(size=(64, 64, 2))})
    with pytest.raises(DatasetError, match="whitened already"):
        natural.natural_patches(n_patches=20, size=8, mat_file=str(tmp_path / "IMAGES.mat"), shrink=2,
                                cache_dir=str(tmp_path))


def test_a_lower_cutoff_narrows_whitened_images(tmp_path):
    """Whitening a raw image with f0 0.2 equals whitening it with 0.4 and then narrowing to 0.2; on an
    IMAGES.mat the lower cut-off takes the high frequencies out, and a higher one is refused."""
    raw = _one_over_f_image(128, 3)
    narrowed = natural.narrow_cutoff(whiten(raw, 0.4), 0.2)
    assert np.allclose(narrowed, whiten(raw, 0.2), atol=1e-9)
    savemat(tmp_path / "IMAGES.mat", {"IMAGES": np.stack([whiten(_one_over_f_image(128, k)) for k in range(2)], 2)})
    patches = {f0: natural_patches(n_patches=200, size=16, mat_file=str(tmp_path / "IMAGES.mat"), f0=f0,
                                   cache_dir=str(tmp_path)).images for f0 in (0.4, 0.2)}
    high = {f0: np.mean(np.diff(p, axis=2) ** 2) for f0, p in patches.items()}  # neighbour differences
    assert high[0.2] < 0.5 * high[0.4]
    with pytest.raises(DatasetError, match=r"IMAGES.mat: images whitened with the cut-off 0.4 cycles/pixel "
                                           r"can only be narrowed: f0 0.45 must be in \(0, 0.4\]"):
        natural_patches(n_patches=20, size=8, mat_file=str(tmp_path / "IMAGES.mat"), f0=0.45, cache_dir=str(tmp_path))


def _photograph(path, seed, mode="RGB"):
    from PIL import Image
    image = _one_over_f_image(96, seed)
    image = (image - image.min()) / (image.max() - image.min())
    if mode == "I;16":
        Image.fromarray((image * 65535).astype(np.uint16)).save(path)
    else:
        Image.fromarray((np.stack([image] * 3, axis=2) * 255).astype(np.uint8)).save(path)


def test_a_folder_of_photographs_gives_whitened_patches(tmp_path):
    photos, cache = tmp_path / "scenes", tmp_path / "cache"
    photos.mkdir()
    _photograph(photos / "a.jpg", 0)
    _photograph(photos / "b.png", 1, mode="I;16")
    (photos / "notes.txt").write_text("not a photograph")
    assert [p.rsplit("/", 1)[1] for p in natural.image_files(str(photos))] == ["a.jpg", "b.png"]
    images = natural.load_image_folder(str(photos))
    assert [im.shape for im in images] == [(96, 96), (96, 96)]
    assert np.corrcoef(images[1].ravel(), _one_over_f_image(96, 1).ravel())[0, 1] > 0.999  # 16 bits kept
    d = natural_patches(n_patches=30, size=8, image_folder=str(photos), cache_dir=str(cache))
    assert d.images.shape == (30, 8, 8) and d.name == "scenes" and d.images.std() == pytest.approx(1)
    again = natural_patches(n_patches=30, size=8, image_folder=str(photos), cache_dir=str(cache))
    np.testing.assert_array_equal(d.images, again.images)
    # the default cut-off is Olshausen & Field's, as for a .mat file
    explicit = natural_patches(n_patches=30, size=8, f0=natural.OLSHAUSEN_F0, image_folder=str(photos),
                               cache_dir=str(cache))
    np.testing.assert_array_equal(d.images, explicit.images)
    _photograph(photos / "c.png", 2)  # a photograph added: other patches, not the cached ones
    added = natural_patches(n_patches=30, size=8, image_folder=str(photos), cache_dir=str(cache))
    assert not np.array_equal(d.images, added.images)


def test_a_folder_without_readable_photographs_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="no photographs"):
        natural_patches(n_patches=10, size=8, image_folder=str(tmp_path), cache_dir=str(tmp_path))
    (tmp_path / "broken.jpg").write_bytes(b"not a JPEG")
    with pytest.raises(DatasetError, match="broken.jpg: not a readable image"):
        natural.load_image_folder(str(tmp_path))
    (tmp_path / "broken.jpg").unlink()
    (tmp_path / "imk00001.iml").write_bytes(b"\0" * 100)
    with pytest.raises(DatasetError, match="van Hateren image has 1536 x 1024"):
        natural.load_image_folder(str(tmp_path))
    with pytest.raises(DatasetError, match="not both"):
        natural_patches(n_patches=10, size=8, image_folder=str(tmp_path), mat_file=str(tmp_path / "x.mat"))


def test_van_hateren_images_are_read_as_raw_16_bit(tmp_path):
    image = (np.arange(1024 * 1536) % 4099).reshape(1024, 1536).astype(">u2")
    image.tofile(tmp_path / "imk00001.iml")
    [read] = natural.load_image_folder(str(tmp_path))
    np.testing.assert_array_equal(read, image.astype(float))


def test_patch_options_follow_a_mat_file_or_a_folder_of_photographs(tmp_path, monkeypatch):
    photos = tmp_path / "scenes"
    photos.mkdir()
    _photograph(photos / "a.png", 0)
    savemat(tmp_path / "IMAGES_RAW.mat", {"IMAGES_RAW": np.zeros((8, 8, 1))})
    asked = {}
    monkeypatch.setattr(datasets, "natural_patches", lambda **kw: asked.update(kw) or "patches")
    assert load_dataset(str(photos)) == "patches" and asked == {"image_folder": str(photos)}
    asked.clear()
    assert load_dataset(f"{photos}:12:0.3:4") == "patches"
    assert asked == {"image_folder": str(photos), "size": 12, "f0": 0.3, "shrink": 4}
    asked.clear()
    assert load_dataset(f"{tmp_path}/IMAGES_RAW.mat:8") == "patches"
    assert asked == {"mat_file": f"{tmp_path}/IMAGES_RAW.mat", "size": 8, "f0": None}
    asked.clear()
    assert load_dataset(f"{tmp_path}/IMAGES_RAW.mat:8:::50000") == "patches"  # empty fields keep their defaults
    assert asked == {"mat_file": f"{tmp_path}/IMAGES_RAW.mat", "size": 8, "f0": None, "n_patches": 50000}
    asked.clear()
    assert load_dataset("natural:16:0.2:2:1000") == "patches"
    assert asked == {"size": 16, "f0": 0.2, "shrink": 2, "n_patches": 1000}
    with pytest.raises(DatasetError, match="patch size"):
        load_dataset(f"{photos}:x")
    with pytest.raises(DatasetError, match="the patch count N"):
        load_dataset(f"{photos}:16:0.4:1:0")
    with pytest.raises(DatasetError, match="the patch count N"):
        load_dataset("natural:16:::many")
    idx = tmp_path / "digits"
    idx.mkdir()
    with pytest.raises(DatasetError, match="neither"):
        load_dataset(f"{idx}:16")


def test_a_dataset_label_drops_the_folders_of_its_path(tmp_path):
    savemat(tmp_path / "IMAGES.mat", {"IMAGES": np.zeros((8, 8, 1))})
    assert datasets.dataset_label(f"{tmp_path}/IMAGES.mat:16:0.2::100000") == "IMAGES.mat:16:0.2::100000"
    assert datasets.dataset_label(f"{tmp_path}/IMAGES.mat") == "IMAGES.mat"
    assert datasets.dataset_label(f"{tmp_path}/") == tmp_path.name
    assert datasets.dataset_label("natural:16:0.4") == "natural:16:0.4"
