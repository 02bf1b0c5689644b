"""Temperature-dependent ReRAM conductance noise -> inference accuracy of a crossbar classifier.

The model, in three parts:

1. **Device.** A cell programmed at ``t_ref_k`` to conductance ``G0`` reads, at temperature
   ``T``, ``G = G0 * (1 + delta)`` with

       delta = sigma_program * z1 + (mean_tc + sigma_tc * z2) * (T - t_ref_k),
       z1, z2 ~ N(0, 1) independent per cell,

   i.e. a programming (write-verify) error plus a *per-cell temperature coefficient* whose
   spread across cells grows the conductance error linearly with the distance from the
   programming temperature. This is the statistical temperature-coefficient model of
   Xu et al., "Statistical temperature coefficient distribution in analog RRAM array:
   impact on neuromorphic system and mitigation method", J. Phys. D 55 015110 (2022),
   arXiv:2105.05534 (HfOx analog RRAM; cells differ in the sign and size of dG/dT, so a
   uniform correction cannot remove the error). Its magnitudes here are assumptions,
   calibrated (see ``ConductanceNoise``) so that the classifier loses about thirteen points
   of accuracy between 300 K and 400 K, the order reported by Xu et al. for an MNIST
   two-layer perceptron without mitigation (79.8 % at 400 K) and by TEFLON (Narang et
   al., ACM TECS 2024: up to 11 % accuracy for a 25 K lower peak temperature).
   One Monte-Carlo *trial* is one programmed chip (one draw of z1, z2); sweeping T on the
   same trials is physically a chip heating up, and makes the curves smooth.

2. **Crossbar.** ISAAC/PUMA-style mapping (defaults: 128 x 128 crossbars, 2 bits per cell,
   8-bit weights, 8-bit inputs streamed bit-serially through 1-bit DACs, 8-bit ADCs).
   Weights are quantised symmetrically to 8 bits, stored with ISAAC's biased encoding
   (w + 128, the bias removed digitally) and bit-sliced into four 2-bit cells. Cell
   conductance is ``G_off + level * dG`` with Ron/Roff = 100 kOhm / 10 MOhm (SIAM /
   NeuroSim); a reference column removes ``G_off``. Each 128-row tile, input bit plane and
   slice is digitised by an ADC that keeps the top ``adc_bits`` of the exact column sum
   (ISAAC drops LSBs rather than clipping). Shift-and-add and the bias are digital.

3. **Classifier.** ``mlp`` (the default): a 64-64-32-10 ReLU MLP trained by scikit-learn
   (fixed seed, about 1 s, cached per process) on scikit-learn's bundled ``load_digits``
   (8 x 8 digits, no download), 75/25 stratified split; hidden activations re-quantised to 8
   bits with scales from the training set. ``cnn``: a small convolutional network on the
   same images and split, trained here in numpy (no torch needed; fixed seed, about 2 s,
   cached per process): 3x3 convolution (padding 1, 8 channels), ReLU, 2x2 average pooling,
   a 128-10 classifier. On the crossbars the convolution is an im2col matrix product (9
   inputs per output position), pooling and ReLU are digital.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pimnoc.errors import ConfigError
from pimnoc.hardware import components as C
from pimnoc.hardware.tech import PeTech


@dataclass(frozen=True)
class CrossbarConfig:
    """Crossbar and converter parameters of the noisy MVM (defaults: ISAAC / PUMA)."""

    # defaults: the default PE's (pim/tech.py); a run passes its design.pe's
    rows: int = PeTech.crossbar_rows
    cols: int = PeTech.crossbar_cols
    bits_per_cell: int = PeTech.bits_per_cell
    weight_bits: int = PeTech.weight_bits
    input_bits: int = PeTech.input_bits
    dac_bits: int = PeTech.dac_bits  # inputs streamed bit-serially
    adc_bits: int = PeTech.adc_bits
    flip_encoding: bool = True  # ISAAC: complemented columns halve the ADC range
    r_on_ohm: float = C.RERAM_RON_OHM  # SIAM / NeuroSim Ron (hardware/components.py)
    r_off_ohm: float = C.RERAM_ROFF_OHM  # SIAM / NeuroSim Roff

    def __post_init__(self) -> None:
        for key in ("rows", "cols", "bits_per_cell", "weight_bits", "input_bits", "dac_bits"):
            if getattr(self, key) < 1:
                raise ConfigError(f"accuracy.crossbar.{key} must be >= 1")
        if self.adc_bits < 1:
            raise ConfigError("accuracy.crossbar.adc_bits must be >= 1")
        if self.weight_bits % self.bits_per_cell:
            raise ConfigError(
                "accuracy.crossbar: weight_bits must be a multiple of bits_per_cell "
                f"(got {self.weight_bits} and {self.bits_per_cell})"
            )
        if self.input_bits % self.dac_bits:
            raise ConfigError(
                "accuracy.crossbar: input_bits must be a multiple of dac_bits "
                f"(got {self.input_bits} and {self.dac_bits})"
            )
        if not self.r_off_ohm > self.r_on_ohm > 0:
            raise ConfigError("accuracy.crossbar: need r_off_ohm > r_on_ohm > 0")

    @property
    def slices(self) -> int:
        """Cells per weight (bit slices)."""
        return self.weight_bits // self.bits_per_cell

    @property
    def planes(self) -> int:
        """Input bit planes (DAC conversions per MVM)."""
        return self.input_bits // self.dac_bits

    @property
    def g_off_levels(self) -> float:
        """G_off in units of one conductance level step dG."""
        levels = 2**self.bits_per_cell - 1
        return levels / (self.r_off_ohm / self.r_on_ohm - 1)

    @property
    def adc_step(self) -> int:
        """ADC LSB in units of one (level x input) count: drops LSBs beyond adc_bits."""
        full_scale = self.rows * (2**self.dac_bits - 1) * (2**self.bits_per_cell - 1)
        if self.flip_encoding:
            full_scale //= 2
        needed = math.ceil(math.log2(full_scale + 1))
        return 2 ** max(0, needed - self.adc_bits)


@dataclass(frozen=True)
class ConductanceNoise:
    """Per-cell relative conductance error vs temperature (Xu et al. 2022 model form)."""

    t_ref_k: float = 300.0  # programming / calibration temperature  # assumption (room T)
    sigma_program: float = 0.02  # write-verify residual error, relative  # assumption
    # spread of the per-cell temperature coefficient, 1/K: Xu et al. report cell-to-cell
    # temperature coefficients of both signs; this magnitude is calibrated so that the
    # digits MLP loses ~13 points at 400 K (0.976 -> ~0.84; Xu et al.: 79.8 % at 400 K
    # for an unmitigated MNIST perceptron)  # assumption
    sigma_tc_per_k: float = 1.5e-3
    # mean coefficient left after the reference column (same cells, same temperature)
    # cancels the common drift  # assumption
    mean_tc_per_k: float = 0.0

    def __post_init__(self) -> None:
        if self.sigma_program < 0 or self.sigma_tc_per_k < 0 or not self.t_ref_k > 0:
            raise ConfigError(
                "accuracy.noise: sigma_program and sigma_tc_per_k must be >= 0, t_ref_k > 0"
            )

    def sigma(self, temperature_k: float) -> float:
        """Standard deviation of the relative conductance error at `temperature_k`."""
        dt = temperature_k - self.t_ref_k
        return math.hypot(self.sigma_program, self.sigma_tc_per_k * dt)


@dataclass(frozen=True, eq=False)
class QuantisedMLP:
    """The trained classifier in integer form, with its test set."""

    weights_q: tuple[np.ndarray, ...]  # signed ints, (in, out) per layer
    weight_scales: tuple[float, ...]
    biases: tuple[np.ndarray, ...]
    input_scales: tuple[float, ...]  # scale of each layer's quantised input
    x_test_q: np.ndarray  # quantised test inputs (N, 64); CNN: im2col patches (N*64, 9)
    y_test: np.ndarray
    float_test_accuracy: float
    kind: str = "mlp"  # mlp or cnn (see the module doc)

    @property
    def n_layers(self) -> int:
        """Number of weighted (crossbar-mapped) layers."""
        return len(self.weights_q)


@dataclass(frozen=True)
class AccuracyEstimate:
    """Mean and spread of the noisy accuracy over trials, with the references."""

    mean: float
    std: float
    clean: float  # noise-free, quantised (8-bit weights/inputs, ADC) accuracy
    float_reference: float  # unquantised floating-point accuracy
    layer_temperatures_k: tuple[float, ...]
    trials: int


HIDDEN_LAYERS = (64, 32)
TRAIN_SEED = 0
DIGITS_MAX = 16.0  # load_digits pixel range 0..16
CLASSIFIERS: tuple[str, ...] = ("mlp", "cnn")
"""Classifiers the accuracy estimate can run on the crossbars (see the module doc)."""
CNN_CHANNELS = 8  # convolution filters of the digits CNN (assumption: smallest that trains
# to the MLP's accuracy here)
CNN_EPOCHS = 60
CNN_SIDE = 8  # load_digits images are 8 x 8


def _digits_split(seed: int) -> tuple:
    """load_digits scaled to [0, 1], split 75/25 stratified (the same split for both)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=seed, stratify=digits.target
    )
    return x_train / DIGITS_MAX, x_test / DIGITS_MAX, y_train, y_test


def im2col(images: np.ndarray, side: int = CNN_SIDE) -> np.ndarray:
    """3x3 patches (zero padding 1) of flattened square images: (N * side^2, 9)."""
    x = np.asarray(images).reshape(-1, side, side)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    patches = np.stack([padded[:, i:i + side, j:j + side] for i in range(3) for j in range(3)],
                       axis=-1)
    return patches.reshape(-1, 9)


def _pool(act: np.ndarray, channels: int, side: int = CNN_SIDE) -> np.ndarray:
    """2x2 average pooling of (N * side^2, C) conv outputs: (N, (side/2)^2 * C)."""
    half = side // 2
    x = act.reshape(-1, half, 2, half, 2, channels).mean(axis=(2, 4))
    return x.reshape(x.shape[0], -1)


def _unpool(grad: np.ndarray, channels: int, side: int = CNN_SIDE) -> np.ndarray:
    """Gradient of `_pool`: each pooled gradient spread evenly over its 2x2 window."""
    half = side // 2
    g = grad.reshape(-1, half, 1, half, 1, channels) / 4.0
    return np.broadcast_to(g, (g.shape[0], half, 2, half, 2, channels)).reshape(-1, channels)


def cache_dir() -> Path:
    """Where trained classifiers are kept between runs: $PIMNOC_CACHE_DIR, else
    ~/.cache/pimnoc."""
    return Path(os.environ.get("PIMNOC_CACHE_DIR") or Path.home() / ".cache" / "pimnoc")


@lru_cache(maxsize=2)
def _trained_cnn(seed: int = TRAIN_SEED) -> tuple:
    """The digits CNN's weights: from the disk cache, else trained (deterministic)."""
    x_train, x_test, y_train, y_test = _digits_split(seed)
    path = cache_dir() / f"digits_cnn_seed{seed}_c{CNN_CHANNELS}_e{CNN_EPOCHS}_v1.npz"
    try:
        with np.load(path) as saved:
            w1, b1, w2, b2 = (saved[k] for k in ("w1", "b1", "w2", "b2"))
            float_acc = float(saved["float_acc"])
    except (OSError, KeyError, ValueError):
        w1, b1, w2, b2, float_acc = _train_cnn(x_train, x_test, y_train, y_test, seed)
        try:  # a cache that cannot be written only costs the training next time
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(partial, w1=w1, b1=b1, w2=w2, b2=b2, float_acc=float_acc)
            os.replace(partial, path)
        except OSError:
            pass
    return (w1, w2), (b1, b2), x_train, x_test, y_test, float_acc


def _train_cnn(x_train, x_test, y_train, y_test, seed: int) -> tuple:
    """Train the digits CNN with Adam in numpy (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    c = CNN_CHANNELS
    pooled = (CNN_SIDE // 2) ** 2 * c
    params = [rng.normal(0, np.sqrt(2 / 9), (9, c)), np.zeros(c),
              rng.normal(0, np.sqrt(1 / pooled), (pooled, 10)), np.zeros(10)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    patches = im2col(x_train)
    onehot = np.eye(10)[y_train]
    n, step, batch = x_train.shape[0], 0, 64
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        for _epoch in range(CNN_EPOCHS):
            order = rng.permutation(n)
            for first in range(0, n, batch):
                idx = order[first:first + batch]
                rows = (idx[:, None] * CNN_SIDE**2 + np.arange(CNN_SIDE**2)).ravel()
                w1, b1, w2, b2 = params
                pre = patches[rows] @ w1 + b1
                hidden = np.maximum(pre, 0.0)
                feats = _pool(hidden, c)
                logits = feats @ w2 + b2
                prob = np.exp(logits - logits.max(axis=1, keepdims=True))
                prob /= prob.sum(axis=1, keepdims=True)
                d_logits = (prob - onehot[idx]) / idx.size
                d_feats = d_logits @ w2.T
                d_pre = _unpool(d_feats, c) * (pre > 0)
                grads = [patches[rows].T @ d_pre, d_pre.sum(axis=0), feats.T @ d_logits,
                         d_logits.sum(axis=0)]
                step += 1
                for p, g, m, v in zip(params, grads, moments, squares, strict=True):
                    m *= 0.9
                    m += 0.1 * g
                    v *= 0.999
                    v += 0.001 * g * g
                    p -= 0.01 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        w1, b1, w2, b2 = params
        feats = _pool(np.maximum(im2col(x_test) @ w1 + b1, 0.0), c)
        float_acc = float(np.mean((feats @ w2 + b2).argmax(axis=1) == y_test))
    return w1, b1, w2, b2, float_acc


@lru_cache(maxsize=2)
def _trained_float(seed: int = TRAIN_SEED) -> tuple:
    """Train the MLP on load_digits (deterministic; cached per process)."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data, digits.target, test_size=0.25, random_state=seed, stratify=digits.target
    )
    model = MLPClassifier(
        hidden_layer_sizes=HIDDEN_LAYERS, alpha=1e-3, max_iter=300, random_state=seed
    )
    from threadpoolctl import threadpool_limits

    # Matrices of 64 x 64: BLAS threads only contend (8 s single-threaded, ~60 s with two
    # threads on a loaded 2-core machine, measured here).
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train / DIGITS_MAX, y_train)
    float_acc = float(model.score(x_test / DIGITS_MAX, y_test))
    weights = tuple(np.asarray(w, dtype=float) for w in model.coefs_)
    biases = tuple(np.asarray(b, dtype=float) for b in model.intercepts_)
    return weights, biases, x_train / DIGITS_MAX, x_test / DIGITS_MAX, y_test, float_acc


@lru_cache(maxsize=8)
def quantised_classifier(
    weight_bits: int = 8, input_bits: int = 8, seed: int = TRAIN_SEED, kind: str = "mlp"
) -> QuantisedMLP:
    """The trained classifier (`kind`: mlp or cnn) with symmetric per-layer weights and
    per-layer activation scales."""
    if kind not in CLASSIFIERS:
        raise ConfigError(f"thermal.accuracy_classifier: unknown '{kind}'; choose one of "
                          f"{', '.join(CLASSIFIERS)}")
    if kind == "cnn":
        return _quantised_cnn(weight_bits, input_bits, seed)
    weights, biases, x_train, x_test, y_test, float_acc = _trained_float(seed)
    w_max = 2 ** (weight_bits - 1) - 1
    a_max = 2**input_bits - 1
    weights_q, w_scales, in_scales = [], [], []
    act = x_train
    in_scale = 1.0 / a_max  # inputs are in [0, 1]
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        scale = float(np.abs(w).max()) / w_max
        weights_q.append(np.round(w / scale).astype(np.int64))
        w_scales.append(scale)
        in_scales.append(in_scale)
        act = act @ w + b
        if i < len(weights) - 1:
            act = np.maximum(act, 0.0)
            in_scale = float(act.max()) / a_max  # next layer's input scale (training set)
    x_test_q = np.clip(np.round(x_test / in_scales[0]), 0, a_max).astype(np.int64)
    return QuantisedMLP(
        tuple(weights_q), tuple(w_scales), biases, tuple(in_scales), x_test_q, y_test, float_acc
    )


def _quantised_cnn(weight_bits: int, input_bits: int, seed: int) -> QuantisedMLP:
    """The digits CNN in integer form: conv weights (9, C), classifier (128, 10)."""
    (w1, w2), (b1, b2), x_train, x_test, y_test, float_acc = _trained_cnn(seed)
    w_max = 2 ** (weight_bits - 1) - 1
    a_max = 2**input_bits - 1
    scales = (float(np.abs(w1).max()) / w_max, float(np.abs(w2).max()) / w_max)
    feats = _pool(np.maximum(im2col(x_train) @ w1 + b1, 0.0), CNN_CHANNELS)
    in_scales = (1.0 / a_max, float(feats.max()) / a_max)  # training-set activation range
    x_test_q = np.clip(np.round(im2col(x_test) / in_scales[0]), 0, a_max).astype(np.int64)
    return QuantisedMLP(
        (np.round(w1 / scales[0]).astype(np.int64), np.round(w2 / scales[1]).astype(np.int64)),
        scales, (b1, b2), in_scales, x_test_q, y_test, float_acc, kind="cnn")


def bit_slices(weights_q: np.ndarray, weight_bits: int = 8, bits_per_cell: int = 2) -> np.ndarray:
    """Biased-encode signed weights and split them into cell levels: (slices, *shape), LSB first."""
    q = np.asarray(weights_q, dtype=np.int64)
    offset = 2 ** (weight_bits - 1)
    if q.size and (q.min() < -offset or q.max() > offset - 1):
        raise ConfigError(
            f"accuracy.weights: values outside the signed {weight_bits}-bit range; "
            "quantise them first"
        )
    unsigned = q + offset
    shifts = bits_per_cell * np.arange(weight_bits // bits_per_cell)
    shifts = shifts.reshape((-1,) + (1,) * q.ndim)
    return (unsigned[None] >> shifts) & (2**bits_per_cell - 1)


def unslice(slices: np.ndarray, weight_bits: int = 8, bits_per_cell: int = 2) -> np.ndarray:
    """Inverse of bit_slices: recombine cell levels into signed weights."""
    levels = np.asarray(slices, dtype=np.int64)
    weights = (2 ** (bits_per_cell * np.arange(levels.shape[0]))).reshape(
        (-1,) + (1,) * (levels.ndim - 1)
    )
    return (levels * weights).sum(axis=0) - 2 ** (weight_bits - 1)


def crossbar_mvm(
    x_q: np.ndarray,
    weights_q: np.ndarray,
    crossbar: CrossbarConfig = CrossbarConfig(),
    delta: np.ndarray | None = None,
) -> np.ndarray:
    """Integer x_q @ weights_q computed on bit-sliced crossbars with DAC/ADC quantisation.

    `delta` (slices, in, out) is the relative conductance error of every cell (None =
    noise-free). With an ADC that covers the column range and no noise the result equals
    ``x_q @ weights_q`` exactly.
    """
    x_q = np.asarray(x_q, dtype=np.int64)
    cfg = crossbar
    if x_q.size and (x_q.min() < 0 or x_q.max() >= 2**cfg.input_bits):
        raise ConfigError(
            f"accuracy.inputs: values outside the unsigned {cfg.input_bits}-bit range; "
            "quantise the activations first"
        )
    n, n_in = x_q.shape
    n_out = weights_q.shape[1]
    level_max = 2**cfg.bits_per_cell - 1
    # float32 is exact for the integer column sums (< 2^24) and halves the memory traffic
    levels = bit_slices(weights_q, cfg.weight_bits, cfg.bits_per_cell).astype(np.float32)
    dac_mask = 2**cfg.dac_bits - 1
    shifts = cfg.dac_bits * np.arange(cfg.planes)
    planes = ((x_q[:, None, :] >> shifts[None, :, None]) & dac_mask).astype(np.float32)
    # weight of each (plane, slice) partial result in the shift-and-add
    combine = np.outer(2.0**shifts, 2.0 ** (cfg.bits_per_cell * np.arange(cfg.slices)))
    step = np.float32(cfg.adc_step)
    code_max = np.float32(2**cfg.adc_bits - 1)
    g0 = np.float32(cfg.g_off_levels)
    total = np.zeros((n, n_out))
    for start in range(0, n_in, cfg.rows):  # one pass per crossbar row tile (partial sums)
        rows = slice(start, min(start + cfg.rows, n_in))
        stored = levels[:, rows, :]
        if cfg.flip_encoding:
            # ISAAC: store a column complemented when its level sum exceeds half the range,
            # so every column output fits in half the ADC range
            flip = stored.sum(axis=1, keepdims=True) > level_max * stored.shape[1] / 2
            stored = np.where(flip, level_max - stored, stored)
        # read current of every cell in units of dG, minus the reference column's G_off
        if delta is None:
            cond = stored
        else:
            cond = stored + (stored + g0) * delta[:, rows, :].astype(np.float32)
        a = planes[:, :, rows].reshape(n * cfg.planes, -1)
        b = cond.transpose(1, 0, 2).reshape(cond.shape[1], -1)
        column = (a @ b).reshape(n, cfg.planes, cfg.slices, n_out)
        code = np.clip(np.rint(column / step), 0, code_max) * step  # ADC per column
        if cfg.flip_encoding:
            # undo the complement digitally: sum x*L = level_max * sum x - sum x*(max - L)
            x_sum = planes[:, :, rows].sum(axis=2)[:, :, None, None]
            code = np.where(flip[None, None, :, 0, :], np.float32(level_max) * x_sum - code, code)
        total += np.tensordot(code.astype(np.float64), combine, axes=([1, 2], [0, 1]))
    offset = 2 ** (cfg.weight_bits - 1)
    return total - offset * x_q.sum(axis=1, keepdims=True)


def _forward(
    mlp: QuantisedMLP,
    crossbar: CrossbarConfig,
    deltas: Sequence[np.ndarray | None],
) -> float:
    """Accuracy of the crossbar-mapped MLP on its test set for given cell errors."""
    a_max = 2**crossbar.input_bits - 1
    act_q = mlp.x_test_q
    for i in range(mlp.n_layers):
        y = crossbar_mvm(act_q, mlp.weights_q[i], crossbar, deltas[i])
        y = y * (mlp.weight_scales[i] * mlp.input_scales[i]) + mlp.biases[i]
        if i < mlp.n_layers - 1:
            act = np.maximum(y, 0.0)
            if mlp.kind == "cnn" and i == 0:  # ReLU, then 2x2 average pooling (digital)
                act = _pool(act, act.shape[1])
            act_q = np.clip(np.rint(act / mlp.input_scales[i + 1]), 0, a_max).astype(np.int64)
    return float(np.mean(y.argmax(axis=1) == mlp.y_test))


def _draws(mlp: QuantisedMLP, crossbar: CrossbarConfig, trials: int, seed: int) -> list:
    """Standard-normal (z_program, z_tc) per cell, layer and trial; same for any T."""
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(trials):
        layer_draws = []
        for w in mlp.weights_q:
            shape = (crossbar.slices, *w.shape)
            layer_draws.append((rng.standard_normal(shape), rng.standard_normal(shape)))
        draws.append(layer_draws)
    return draws


def _deltas(draw: list, temps_k: Sequence[float], noise: ConductanceNoise) -> list[np.ndarray]:
    """Relative conductance error of every cell of every layer at the layer temperatures."""
    out = []
    for (z_prog, z_tc), t_k in zip(draw, temps_k, strict=True):
        dt = t_k - noise.t_ref_k
        tc = noise.mean_tc_per_k + noise.sigma_tc_per_k * z_tc
        out.append(noise.sigma_program * z_prog + tc * dt)
    return out


def _check_trials(trials: int) -> None:
    """Reject a non-positive trial count."""
    if trials < 1:
        raise ConfigError(f"accuracy.trials must be >= 1, got {trials}")


def _check_temps(temps: Sequence[float], key: str) -> None:
    """Reject non-finite or non-positive temperatures."""
    if any(not (math.isfinite(t) and t > 0) for t in temps):
        raise ConfigError(f"{key}: temperatures must be finite and > 0 K (got {list(temps)})")


def layer_temperatures(
    temperatures_k: float | Sequence[float],
    n_layers: int,
    layer_tiers: Sequence[int] | None = None,
) -> tuple[float, ...]:
    """Temperature of each classifier layer from one value, per-layer or per-tier values.

    A scalar applies to all layers. With `layer_tiers` (one tier index per layer) the
    values are per tier. Without it, a sequence of `n_layers` values is per layer, and any
    other length is per tier with the layers spread evenly over the tiers in order
    (layer i on tier floor(i * tiers / n_layers)), like a pipeline mapped tier by tier.
    """
    if np.ndim(temperatures_k) == 0:
        temps = [float(temperatures_k)] * n_layers
        _check_temps(temps, "accuracy.temperatures_k")
        return tuple(temps)
    values = [float(t) for t in temperatures_k]  # type: ignore[union-attr]
    _check_temps(values, "accuracy.temperatures_k")
    if not values:
        raise ConfigError("accuracy.temperatures_k: give at least one temperature")
    if layer_tiers is not None:
        if len(layer_tiers) != n_layers:
            raise ConfigError(
                f"accuracy.layer_tiers: {len(layer_tiers)} entries for {n_layers} layers"
            )
        if any(not 0 <= t < len(values) for t in layer_tiers):
            raise ConfigError(
                f"accuracy.layer_tiers: tier indices must be in 0..{len(values) - 1}"
            )
        return tuple(values[t] for t in layer_tiers)
    if len(values) == n_layers:
        return tuple(values)
    return tuple(values[i * len(values) // n_layers] for i in range(n_layers))


@lru_cache(maxsize=8)
def clean_accuracy(crossbar: CrossbarConfig = CrossbarConfig(), classifier: str = "mlp") -> float:
    """Noise-free accuracy of the quantised, crossbar-mapped classifier (ADC included)."""
    mlp = quantised_classifier(crossbar.weight_bits, crossbar.input_bits, kind=classifier)
    return _forward(mlp, crossbar, [None] * mlp.n_layers)


def estimate_accuracy_detail(
    temperatures_k: float | Sequence[float],
    *,
    layer_tiers: Sequence[int] | None = None,
    trials: int = 20,
    seed: int = 0,
    crossbar: CrossbarConfig = CrossbarConfig(),
    noise: ConductanceNoise = ConductanceNoise(),
    classifier: str = "mlp",
) -> AccuracyEstimate:
    """Monte-Carlo accuracy with every layer's crossbars at its temperature, with references."""
    _check_trials(trials)
    mlp = quantised_classifier(crossbar.weight_bits, crossbar.input_bits, kind=classifier)
    temps = layer_temperatures(temperatures_k, mlp.n_layers, layer_tiers)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # small matrices (see _trained_float)
        accs = np.array(
            [
                _forward(mlp, crossbar, _deltas(draw, temps, noise))
                for draw in _draws(mlp, crossbar, trials, seed)
            ]
        )
    return AccuracyEstimate(
        mean=float(accs.mean()),
        std=float(accs.std()),
        clean=clean_accuracy(crossbar, classifier),
        float_reference=mlp.float_test_accuracy,
        layer_temperatures_k=temps,
        trials=trials,
    )


def estimate_accuracy(
    temperatures_k: float | Sequence[float],
    *,
    layer_tiers: Sequence[int] | None = None,
    trials: int = 20,
    seed: int = 0,
    crossbar: CrossbarConfig = CrossbarConfig(),
    noise: ConductanceNoise = ConductanceNoise(),
    classifier: str = "mlp",
) -> float:
    """Mean accuracy (0..1) when each layer's crossbars sit at the given temperature(s).

    `temperatures_k`: one value, one per classifier layer, or one per tier (see
    `layer_temperatures`); deterministic for a seed.
    """
    return estimate_accuracy_detail(
        temperatures_k,
        layer_tiers=layer_tiers,
        trials=trials,
        seed=seed,
        crossbar=crossbar,
        noise=noise,
        classifier=classifier,
    ).mean


def accuracy_vs_temperature(
    temps_k: Sequence[float],
    trials: int = 20,
    seed: int = 0,
    *,
    crossbar: CrossbarConfig = CrossbarConfig(),
    noise: ConductanceNoise = ConductanceNoise(),
    classifier: str = "mlp",
) -> list[tuple[float, float, float]]:
    """(T, mean accuracy, std) with all layers at T, for each T; same chips at every T."""
    _check_trials(trials)
    temps = [float(t) for t in temps_k]
    _check_temps(temps, "accuracy.temps_k")
    mlp = quantised_classifier(crossbar.weight_bits, crossbar.input_bits, kind=classifier)
    draws = _draws(mlp, crossbar, trials, seed)
    curve = []
    for t_k in temps:
        accs = np.array(
            [_forward(mlp, crossbar, _deltas(d, [t_k] * mlp.n_layers, noise)) for d in draws]
        )
        curve.append((t_k, float(accs.mean()), float(accs.std())))
    return curve
