"""Temperature-aware accuracy model: clean accuracy, monotone degradation, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from pimnoc.analysis.accuracy import (
    ConductanceNoise,
    CrossbarConfig,
    accuracy_vs_temperature,
    bit_slices,
    clean_accuracy,
    crossbar_mvm,
    estimate_accuracy,
    estimate_accuracy_detail,
    layer_temperatures,
    quantised_classifier,
    unslice,
)
from pimnoc.errors import ConfigError


def test_clean_accuracy_is_high() -> None:
    mlp = quantised_classifier()
    assert mlp.float_test_accuracy > 0.95
    assert clean_accuracy() > 0.9
    assert abs(clean_accuracy() - mlp.float_test_accuracy) < 0.02  # 8-bit costs little


def test_bit_slicing_reconstructs_quantised_weights() -> None:
    mlp = quantised_classifier()
    for w in mlp.weights_q:
        slices = bit_slices(w)
        assert slices.shape == (4, *w.shape)
        assert slices.min() >= 0 and slices.max() <= 3
        assert np.array_equal(unslice(slices), w)
    every = np.arange(-128, 128)
    assert np.array_equal(unslice(bit_slices(every)), every)
    assert np.array_equal(unslice(bit_slices(every, 8, 4), 8, 4), every)
    with pytest.raises(ConfigError):
        bit_slices(np.array([200]))


@pytest.mark.parametrize("rows", [128, 64, 37])
def test_noise_free_crossbar_mvm_is_exact(rows: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (40, 300))
    w = rng.integers(-127, 128, (300, 24))
    cfg = CrossbarConfig(rows=rows)
    assert np.array_equal(crossbar_mvm(x, w, cfg), x @ w)
    # without ISAAC's complemented columns an 8-bit ADC drops an LSB; 9 bits is exact
    lossy = CrossbarConfig(rows=rows, flip_encoding=False)
    assert np.array_equal(crossbar_mvm(x, w, CrossbarConfig(adc_bits=9, flip_encoding=False)),
                          x @ w)
    if rows == 128:
        assert not np.array_equal(crossbar_mvm(x, w, lossy), x @ w)
    zero = np.zeros((4, 300, 24))
    assert np.allclose(crossbar_mvm(x, w, cfg, zero), x @ w)


def test_accuracy_does_not_increase_with_temperature() -> None:
    temps = [300.0, 325.0, 350.0, 375.0, 400.0]
    curve = accuracy_vs_temperature(temps, trials=10, seed=1)
    assert [t for t, _, _ in curve] == temps
    means = np.array([m for _, m, _ in curve])
    assert np.all(np.diff(means) <= 0.003)  # non-increasing up to Monte-Carlo jitter
    assert means[-1] < means[0] - 0.05  # and clearly lower when hot
    assert means[0] > 0.9


def test_deterministic_for_a_seed() -> None:
    a = estimate_accuracy([330.0, 360.0, 390.0], trials=3, seed=7)
    b = estimate_accuracy([330.0, 360.0, 390.0], trials=3, seed=7)
    c = estimate_accuracy([330.0, 360.0, 390.0], trials=3, seed=8)
    assert a == b
    assert 0.0 <= c <= 1.0
    assert accuracy_vs_temperature([380.0], 3, 5) == accuracy_vs_temperature([380.0], 3, 5)


def test_hotter_layers_cost_accuracy_and_detail_reports_references() -> None:
    cool = estimate_accuracy_detail(310.0, trials=5, seed=0)
    hot = estimate_accuracy_detail([310.0, 400.0], layer_tiers=[1, 1, 0], trials=5, seed=0)
    assert hot.layer_temperatures_k == (400.0, 400.0, 310.0)
    assert hot.mean < cool.mean
    assert cool.clean == clean_accuracy()
    assert cool.float_reference > 0.95
    assert cool.trials == 5


def test_noiseless_device_gives_clean_accuracy() -> None:
    quiet = ConductanceNoise(sigma_program=0.0, sigma_tc_per_k=0.0)
    assert estimate_accuracy(400.0, trials=2, noise=quiet) == pytest.approx(clean_accuracy())


def test_layer_temperature_mapping() -> None:
    assert layer_temperatures(350.0, 3) == (350.0, 350.0, 350.0)
    assert layer_temperatures([300.0, 310.0, 320.0], 3) == (300.0, 310.0, 320.0)
    # four tiers, three layers: spread evenly in order
    assert layer_temperatures([300.0, 310.0, 320.0, 330.0], 3) == (300.0, 310.0, 320.0)
    assert layer_temperatures([300.0, 330.0], 3) == (300.0, 300.0, 330.0)
    with pytest.raises(ConfigError, match="layer_tiers"):
        layer_temperatures([300.0, 310.0], 3, layer_tiers=[0, 2, 1])
    with pytest.raises(ConfigError, match="temperatures_k"):
        layer_temperatures([-5.0], 3)
    with pytest.raises(ConfigError, match="trials"):
        estimate_accuracy(300.0, trials=0)


def test_noise_sigma_grows_away_from_programming_temperature() -> None:
    noise = ConductanceNoise()
    assert noise.sigma(noise.t_ref_k) == pytest.approx(noise.sigma_program)
    assert noise.sigma(350.0) < noise.sigma(400.0)


def test_cnn_trains_and_its_conv_on_crossbars_matches_im2col() -> None:
    from pimnoc.analysis.accuracy import im2col

    cnn = quantised_classifier(kind="cnn")
    assert cnn.kind == "cnn" and cnn.n_layers == 2
    assert cnn.float_test_accuracy > 0.9
    # the quantised input patches are the im2col of the 8x8 images: 64 positions x 9 taps
    assert cnn.x_test_q.shape == (cnn.y_test.size * 64, 9)
    image = np.arange(64.0).reshape(1, 64)
    patches = im2col(image)
    assert patches[0].tolist() == [0, 0, 0, 0, 0, 1, 0, 8, 9]  # (0, 0): zero padding
    assert patches[9].tolist() == [0, 1, 2, 8, 9, 10, 16, 17, 18]  # (1, 1): its 3x3
    assert abs(clean_accuracy(CrossbarConfig(), "cnn") - cnn.float_test_accuracy) < 0.03


def test_cnn_accuracy_falls_with_temperature_and_device_variation() -> None:
    cool = estimate_accuracy(300.0, trials=3, classifier="cnn")
    hot = estimate_accuracy(400.0, trials=3, classifier="cnn")
    assert hot < cool
    quiet = ConductanceNoise(sigma_program=0.0, sigma_tc_per_k=0.0)
    noisy = ConductanceNoise(sigma_program=0.1, sigma_tc_per_k=1.5e-3)
    assert (estimate_accuracy(350.0, trials=3, classifier="cnn", noise=noisy)
            < estimate_accuracy(350.0, trials=3, classifier="cnn", noise=quiet))


def test_cnn_accuracy_follows_the_adc() -> None:
    # a 3-bit ADC drops most of each column sum: the CNN loses accuracy on the crossbars
    coarse = CrossbarConfig(adc_bits=3)
    assert clean_accuracy(coarse, "cnn") < clean_accuracy(CrossbarConfig(), "cnn")


def test_unknown_classifier_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="accuracy_classifier"):
        quantised_classifier(kind="resnet")
