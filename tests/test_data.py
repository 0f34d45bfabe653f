"""nnkit.data: splits, toy generators, the CIFAR-10 loader (on fake batches), preprocessing."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits

from nnkit.data import (
    Split,
    append_bias,
    flatten,
    load_cifar10,
    load_cifar10_batch,
    load_digits_split,
    make_blobs,
    make_circles,
    make_spiral,
    subtract_mean,
)


def rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------
# digits


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    return d.data, d.target


def test_digits_split_sizes_add_up_and_are_disjoint(digits):
    s = load_digits_split(val_fraction=0.1, test_fraction=0.2, rng=rng(0))
    assert isinstance(s, Split)
    N = len(digits[1])
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (N - 180 - 359, 180, 359)
    for X, y in ((s.X_train, s.y_train), (s.X_val, s.y_val), (s.X_test, s.y_test)):
        assert X.shape == (len(y), 64) and X.dtype == np.float64 and y.dtype == np.int64
    idx = np.concatenate([s.idx_train, s.idx_val, s.idx_test])
    np.testing.assert_array_equal(np.sort(idx), np.arange(N))  # a partition of all rows


def test_digits_split_rows_match_their_indices(digits):
    X_all, y_all = digits
    s = load_digits_split(rng=rng(1))
    for X, y, idx in ((s.X_train, s.y_train, s.idx_train), (s.X_test, s.y_test, s.idx_test)):
        np.testing.assert_array_equal(X, X_all[idx] / 16)
        np.testing.assert_array_equal(y, y_all[idx])


def test_digits_values_in_unit_interval_and_labels_in_range():
    s = load_digits_split(rng=rng(0))
    X = np.concatenate([s.X_train, s.X_val, s.X_test])
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(np.concatenate([s.y_train, s.y_val, s.y_test]))) == set(range(10))


def test_digits_split_is_determined_by_the_seed():
    a = load_digits_split(rng=rng(7))
    b = load_digits_split(rng=rng(7))
    c = load_digits_split(rng=rng(8))
    np.testing.assert_array_equal(a.idx_train, b.idx_train)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.idx_train, c.idx_train)


def test_digits_split_uses_rng_permutation():
    s = load_digits_split(val_fraction=0.0, test_fraction=0.5, rng=rng(3))
    order = rng(3).permutation(1797)
    np.testing.assert_array_equal(np.concatenate([s.idx_train, s.idx_test]), order)
    assert len(s.y_val) == 0 and s.X_val.shape == (0, 64)


def test_digits_dtype_and_repr():
    s = load_digits_split(rng=rng(0), dtype=np.float32)
    assert s.X_train.dtype == np.float32
    assert repr(s) == "Split(train=1258, val=180, test=359, D=64)"


def test_digits_split_does_not_share_memory_between_calls():
    a = load_digits_split(rng=rng(0))
    a.X_train[:] = -1
    a.y_train[:] = -1
    b = load_digits_split(rng=rng(0))
    assert b.X_train.min() == 0.0 and b.y_train.min() == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"val_fraction": -0.1},
        {"test_fraction": 1.0},
        {"val_fraction": 0.5, "test_fraction": 0.5},
        {"val_fraction": "0.1"},
        {"dtype": np.int64},
        {"rng": 0},
    ],
)
def test_digits_split_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        load_digits_split(**kwargs)


# ---------------------------------------------------------------------------
# 2-D generators


def test_spiral_shapes_labels_and_radius():
    X, y = make_spiral(n_per_class=50, num_classes=4, noise=0.3, rng=rng(0))
    assert X.shape == (200, 2) and X.dtype == np.float64
    assert y.shape == (200,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r, np.tile(np.linspace(0, 1, 50), 4), atol=1e-12)


def test_spiral_without_noise_follows_the_formula():
    X, y = make_spiral(n_per_class=5, num_classes=2, noise=0.0, rng=rng(0))
    k = 1
    r = np.linspace(0, 1, 5)
    theta = 4 * k + np.linspace(0, 4, 5)
    np.testing.assert_allclose(X[y == k], np.column_stack([r * np.sin(theta), r * np.cos(theta)]))


@pytest.mark.parametrize(
    "make", [make_spiral, make_circles, make_blobs], ids=["spiral", "circles", "blobs"]
)
def test_generators_are_determined_by_the_seed(make):
    X1, y1 = make(rng=rng(5))
    X2, y2 = make(rng=rng(5))
    X3, _ = make(rng=rng(6))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_circles_radii_and_labels():
    X, y = make_circles(n_samples=101, noise=0.0, factor=0.3, rng=rng(0))
    assert X.shape == (101, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50, 51])
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_circles_noise_is_small_around_the_radii():
    X, y = make_circles(n_samples=2000, noise=0.05, factor=0.5, rng=rng(1))
    r = np.hypot(X[:, 0], X[:, 1])
    assert abs(r[y == 0].mean() - 1.0) < 0.01
    assert abs(r[y == 1].mean() - 0.5) < 0.01
    assert 0.03 < np.std(r[y == 0]) < 0.07


def test_blobs_with_random_centres():
    X, y = make_blobs(n_samples=301, centers=3, std=0.5, rng=rng(0))
    assert X.shape == (301, 2) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [101, 100, 100])
    means = np.array([X[y == c].mean(axis=0) for c in range(3)])
    assert np.all(np.abs(means) < 10.5)  # centres lie in the default box (-10, 10)


def test_blobs_with_given_centres_and_zero_std():
    centres = np.array([[0.0, 0.0], [5.0, -5.0]])
    X, y = make_blobs(n_samples=6, centers=centres, std=0.0, rng=rng(0))
    np.testing.assert_array_equal(X, centres[[0, 0, 0, 1, 1, 1]])
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])


def test_blobs_spread_matches_std():
    X, y = make_blobs(n_samples=4000, centers=np.zeros((1, 2)), std=2.0, rng=rng(2))
    np.testing.assert_allclose(X.std(axis=0), 2.0, rtol=0.05)
    assert set(y) == {0}


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_spiral(n_per_class=0),
        lambda: make_spiral(num_classes=0),
        lambda: make_spiral(n_per_class=2.5),
        lambda: make_spiral(noise=-0.1),
        lambda: make_spiral(noise=float("nan")),
        lambda: make_spiral(rng=42),
        lambda: make_circles(n_samples=0),
        lambda: make_circles(n_samples=1),
        lambda: make_circles(noise=-1.0),
        lambda: make_circles(factor=0.0),
        lambda: make_circles(factor=1.0),
        lambda: make_circles(factor=1.5),
        lambda: make_blobs(n_samples=-3),
        lambda: make_blobs(centers=0),
        lambda: make_blobs(std=-1.0),
        lambda: make_blobs(n_samples=2, centers=3),
        lambda: make_blobs(centers=np.zeros(3)),
        lambda: make_blobs(centers=[[0.0, np.inf]]),
        lambda: make_blobs(center_box=(1.0, 1.0)),
    ],
)
def test_generators_reject_bad_arguments(call):
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------------------
# CIFAR-10 on fake batches


def fake_rows(n, seed):
    """n CIFAR rows (n, 3072) uint8 and n labels, as the real files store them."""
    g = np.random.default_rng(seed)
    return g.integers(0, 256, size=(n, 3072), dtype=np.uint8), g.integers(0, 10, n).tolist()


def write_batch(path, data, labels, **extra):
    batch = {b"batch_label": b"fake", b"data": data, b"labels": labels, **extra}
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=2)


@pytest.fixture
def cifar_dir(tmp_path):
    """A folder with data_batch_1..3 (20 rows each) and test_batch (15 rows)."""
    for k in (1, 2, 3):
        write_batch(tmp_path / f"data_batch_{k}", *fake_rows(20, k))
    write_batch(tmp_path / "test_batch", *fake_rows(15, 99))
    return tmp_path


def test_batch_shapes_and_channel_order(tmp_path):
    data, labels = fake_rows(20, 0)
    data[4, :] = 0
    # Row layout: 1024 red values, then 1024 green, then 1024 blue, each row-major 32x32.
    r, c = 2, 7
    data[4, 0 * 1024 + 32 * r + c] = 11
    data[4, 1 * 1024 + 32 * r + c] = 22
    data[4, 2 * 1024 + 32 * r + c] = 33
    write_batch(tmp_path / "data_batch_1", data, labels)
    X, y = load_cifar10_batch(tmp_path / "data_batch_1")
    assert X.shape == (20, 32, 32, 3) and X.dtype == np.float64
    assert y.shape == (20,) and y.dtype == np.int64
    np.testing.assert_array_equal(X[4, r, c], [11.0, 22.0, 33.0])
    assert X[4].sum() == 66.0
    np.testing.assert_array_equal(y, labels)


def test_batch_round_trip_of_all_pixels(tmp_path):
    data, labels = fake_rows(20, 1)
    write_batch(tmp_path / "b", data, labels)
    X, _ = load_cifar10_batch(str(tmp_path / "b"))
    np.testing.assert_array_equal(X.transpose(0, 3, 1, 2).reshape(20, 3072), data)


def test_batch_with_str_keys_and_numpy_labels(tmp_path):
    data, labels = fake_rows(5, 2)
    with open(tmp_path / "b", "wb") as f:
        pickle.dump({"data": data, "labels": np.array(labels)}, f)
    X, y = load_cifar10_batch(tmp_path / "b")
    assert X.shape == (5, 32, 32, 3)
    np.testing.assert_array_equal(y, labels)


def test_load_cifar10_concatenates_existing_batches(cifar_dir):
    X_train, y_train, X_test, y_test = load_cifar10(cifar_dir)
    assert X_train.shape == (60, 32, 32, 3) and y_train.shape == (60,)
    assert X_test.shape == (15, 32, 32, 3) and y_test.shape == (15,)
    X2, y2 = load_cifar10_batch(cifar_dir / "data_batch_2")
    np.testing.assert_array_equal(X_train[20:40], X2)
    np.testing.assert_array_equal(y_train[20:40], y2)


def test_load_cifar10_skips_missing_batch_numbers(cifar_dir):
    (cifar_dir / "data_batch_2").unlink()
    X_train, _, _, _ = load_cifar10(str(cifar_dir))
    X3, _ = load_cifar10_batch(cifar_dir / "data_batch_3")
    assert X_train.shape[0] == 40
    np.testing.assert_array_equal(X_train[20:], X3)


def test_load_cifar10_truncates(cifar_dir):
    X_full, y_full, Xt_full, yt_full = load_cifar10(cifar_dir)
    X_train, y_train, X_test, y_test = load_cifar10(cifar_dir, num_train=25, num_test=4)
    assert X_train.shape == (25, 32, 32, 3) and X_test.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(X_train, X_full[:25])
    np.testing.assert_array_equal(y_train, y_full[:25])
    np.testing.assert_array_equal(X_test, Xt_full[:4])
    np.testing.assert_array_equal(y_test, yt_full[:4])


def test_load_cifar10_reads_only_the_batches_it_needs(cifar_dir):
    (cifar_dir / "data_batch_3").write_bytes(b"garbage")
    X_train, _, _, _ = load_cifar10(cifar_dir, num_train=40)
    assert X_train.shape[0] == 40
    with pytest.raises(ValueError, match="data_batch_3"):
        load_cifar10(cifar_dir, num_train=41)


def test_missing_folder_names_the_path_and_the_download(tmp_path):
    missing = tmp_path / "nowhere" / "cifar-10-batches-py"
    with pytest.raises(FileNotFoundError, match="nowhere") as info:
        load_cifar10(missing)
    assert str(missing) in str(info.value)
    assert "cifar-10-python.tar.gz" in str(info.value)


def test_missing_batch_files(tmp_path, cifar_dir):
    with pytest.raises(FileNotFoundError, match="data_batch_9"):
        load_cifar10_batch(cifar_dir / "data_batch_9")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_cifar10(empty)
    (cifar_dir / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match="test_batch"):
        load_cifar10(cifar_dir)


def _bad_batches():
    data, labels = fake_rows(4, 0)
    return {
        "no_labels": {b"data": data},
        "no_data": {b"labels": labels},
        "short_rows": {b"data": data[:, :3000], b"labels": labels},
        "flat_data": {b"data": data.ravel(), b"labels": labels},
        "float_data": {b"data": data.astype(np.float64) + 0.5, b"labels": labels},
        "too_few_labels": {b"data": data, b"labels": labels[:3]},
        "label_out_of_range": {b"data": data, b"labels": [0, 1, 2, 10]},
        "not_a_dict": [data, labels],
    }


@pytest.mark.parametrize("case", list(_bad_batches()))
def test_malformed_batch_raises_value_error(tmp_path, case):
    path = tmp_path / "data_batch_1"
    with open(path, "wb") as f:
        pickle.dump(_bad_batches()[case], f, protocol=2)
    with pytest.raises(ValueError, match="data_batch_1"):
        load_cifar10_batch(path)


def test_non_pickle_and_truncated_files_raise_value_error(tmp_path):
    (tmp_path / "garbage").write_bytes(b"this is not a pickle")
    with pytest.raises(ValueError, match="garbage"):
        load_cifar10_batch(tmp_path / "garbage")
    data, labels = fake_rows(3, 0)
    blob = pickle.dumps({b"data": data, b"labels": labels}, protocol=2)
    (tmp_path / "cut").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="cut"):
        load_cifar10_batch(tmp_path / "cut")


class _Evil:
    def __reduce__(self):
        return (print, ("pickle code ran",))


def test_pickle_cannot_run_arbitrary_code(tmp_path, capsys):
    data, labels = fake_rows(2, 0)
    write_batch(tmp_path / "b", data, labels, payload=_Evil())
    with pytest.raises(ValueError, match="may not reference .*print"):
        load_cifar10_batch(tmp_path / "b")
    assert "pickle code ran" not in capsys.readouterr().out


@pytest.mark.parametrize("kwargs", [{"num_train": 0}, {"num_test": -1}, {"num_train": 61}])
def test_load_cifar10_rejects_bad_counts(cifar_dir, kwargs):
    with pytest.raises(ValueError):
        load_cifar10(cifar_dir, **kwargs)


# ---------------------------------------------------------------------------
# preprocessing


def test_subtract_mean_uses_the_training_mean_only():
    X_train = rng(0).standard_normal((10, 3, 2)) + 5
    X_val = rng(1).standard_normal((4, 3, 2)) + 100
    X_test = rng(2).standard_normal((6, 3, 2)) - 100
    before = X_val.copy()
    mean, Xtr, Xv, Xte = subtract_mean(X_train, X_val, X_test)
    np.testing.assert_allclose(mean, X_train.mean(axis=0))
    np.testing.assert_allclose(Xtr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xv, X_val - X_train.mean(axis=0))
    np.testing.assert_allclose(Xte, X_test - X_train.mean(axis=0))
    np.testing.assert_array_equal(X_val, before)


def test_subtract_mean_of_uint8_images_is_float():
    X = np.array([[0, 255], [255, 255]], dtype=np.uint8)
    mean, Xc = subtract_mean(X)
    np.testing.assert_array_equal(mean, [127.5, 255.0])
    np.testing.assert_array_equal(Xc, [[-127.5, 0.0], [127.5, 0.0]])


def test_subtract_mean_rejects_bad_shapes():
    with pytest.raises(ValueError, match="others\\[1\\]"):
        subtract_mean(np.zeros((3, 4)), np.zeros((2, 4)), np.zeros((2, 5)))
    with pytest.raises(ValueError):
        subtract_mean(np.zeros((0, 4)))


def test_append_bias():
    X = rng(0).standard_normal((5, 3))
    Xb = append_bias(X)
    assert Xb.shape == (5, 4)
    np.testing.assert_array_equal(Xb[:, :3], X)
    np.testing.assert_array_equal(Xb[:, 3], 1.0)
    W = rng(1).standard_normal((4, 2))
    np.testing.assert_allclose(Xb @ W, X @ W[:-1] + W[-1])


def test_append_bias_flattens_images():
    X = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    Xb = append_bias(X)
    assert Xb.shape == (2, 49) and Xb.dtype == np.float32
    np.testing.assert_array_equal(Xb[:, :48], X.reshape(2, 48))
    np.testing.assert_array_equal(Xb[:, 48], 1.0)


def test_flatten():
    assert flatten(np.zeros((7, 32, 32, 3))).shape == (7, 3072)
    assert flatten(np.zeros((0, 8, 8))).shape == (0, 64)
    assert flatten([1.0, 2.0]).shape == (2, 1)
    with pytest.raises(ValueError):
        flatten(np.float64(3.0))
