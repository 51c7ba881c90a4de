"""Every training helper takes ``device=`` and runs there (``pytest --device=cuda``, see ``tests/conftest.py``).

For each helper, a short run on ``device`` must (1) leave its model on that device, (2) return plain Python
floats / NumPy arrays, and (3) follow the CPU run: weights and randomness are drawn on the CPU and moved, so
the only difference is float rounding, which a few dozen steps cannot blow up beyond ``RTOL``. On the CPU the
two runs are the same run and must agree exactly. ``device=None`` follows the model (or the data).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.core._device import resolve_device
from helpers.labs import approximation, explain, lr_finder
from helpers.labs import cnn_training as ct
from helpers.labs import generative_training as gt
from helpers.labs import rnn_training as rt
from helpers.labs import training_recipe as tr
from helpers.widgets import attention_heatmap as ah

CPU = torch.device("cpu")


def _rtol(device):
    # float32 rounding differs across devices (another summation order, TF32 off in the tests); over a few
    # dozen optimizer steps that stays ~1e-5 relative. A wrong device path (other data, other batches,
    # a missed .to()) changes the numbers completely.
    return 0.0 if device.type == "cpu" else 2e-3


def _close(a, b, device, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    np.testing.assert_allclose(a, b, rtol=_rtol(device), atol=_rtol(device) * 1e-2, err_msg=what)


def _on(model, device):
    params = list(model.parameters())
    assert params and all(p.device.type == device.type for p in params), f"model not on {device}"


def _floats(values):
    assert all(type(v) is float for v in values), [type(v) for v in values]


@pytest.fixture(scope="module")
def digits():
    return ct.digit_images()


def test_resolve_device_follows_the_model_then_the_data():
    assert resolve_device() == CPU
    assert resolve_device("cpu", torch.nn.Linear(1, 1)) == CPU
    assert resolve_device(None, torch.nn.ReLU(), torch.zeros(1)) == CPU  # a module without parameters is skipped
    assert resolve_device(None, np.zeros(1)) == CPU


def test_cnn_fit_and_accuracy(digits, device):
    def run(dev):
        model, hist = ct.train_digits(lambda: ct.small_cnn(width=4), digits, epochs=1, device=dev)
        return model, hist, ct.accuracy(model, digits.x_test, digits.y_test)

    model, hist, acc = run(device)
    _on(model, device)
    _floats(hist.train_loss + hist.val_acc + [acc])
    _, ref, ref_acc = run(CPU)
    _close(hist.step_loss, ref.step_loss, device, "step losses")
    assert abs(acc - ref_acc) <= 0.02


def test_fit_without_device_follows_the_model(digits, device):
    torch.manual_seed(0)
    model = ct.digits_mlp(8).to(device)  # moved by hand, data left on the CPU: fit brings the data to the model
    hist = ct.fit(model, digits, epochs=1)
    _on(model, device)
    _floats(hist.val_loss)


def test_generative_trainers(device):
    x, _ = gt.load_digits_01()
    x = x[:256]
    ae, losses = gt.train_autoencoder(x, epochs=2, noise_std=0.1, device=device)
    _on(ae, device)
    _floats(losses + [gt.reconstruction_mse(ae, x, noise_std=0.1)])
    _close(losses, gt.train_autoencoder(x, epochs=2, noise_std=0.1, device=CPU)[1], device, "autoencoder")

    vae, hist = gt.train_vae(x, epochs=2, device=device)
    _on(vae, device)
    _close(hist["loss"], gt.train_vae(x, epochs=2, device=CPU)[1]["loss"], device, "VAE")
    assert vae.decode(np.zeros((3, 2))).device.type == "cpu"

    gan = gt.train_gan(steps=30, snapshot_every=10, device=device)
    assert isinstance(gan["samples"], np.ndarray) and gan["samples"].shape == (4, 400, 2)
    _close(gan["d_loss"], gt.train_gan(steps=30, snapshot_every=10, device=CPU)["d_loss"], device, "GAN")

    moons = torch.as_tensor(gt.two_moons(128)).to(device)  # device=None: the data's device
    model, alpha_bars, losses = gt.train_ddpm(moons, T=10, steps=30)
    _on(model, device)
    assert alpha_bars.device.type == "cpu"
    path = gt.ddpm_sample(model, alpha_bars, 16)
    assert isinstance(path, np.ndarray) and path.shape == (11, 16, 2)
    _close(losses, gt.train_ddpm(gt.two_moons(128), T=10, steps=30)[2], device, "DDPM")


def test_recurrent_trainers(device):
    cfg = rt.TrainConfig(steps=15)
    model, losses = rt.train_adding("lstm", 8, cfg, torch.Generator().manual_seed(0), device=device)
    _on(model, device)
    _floats(losses)
    ref = rt.train_adding("lstm", 8, cfg, torch.Generator().manual_seed(0), device=CPU)[1]
    _close(losses, ref, device, "adding problem")

    ids = torch.randint(0, 10, (300,), generator=torch.Generator().manual_seed(1))
    lm, lm_losses = rt.train_char_lm(ids.to(device), 10, "gru", cfg, torch.Generator().manual_seed(0),
                                     seq_len=8, hidden_size=8)
    _on(lm, device)
    _floats(lm_losses + [rt.char_lm_loss(lm, ids)])
    ref = rt.train_char_lm(ids, 10, "gru", cfg, torch.Generator().manual_seed(0), seq_len=8, hidden_size=8)[1]
    _close(lm_losses, ref, device, "character LM")

    class Vocab:
        def __len__(self):
            return 10

        def encode(self, s):
            return [ord(c) % 10 for c in s]

        def decode(self, ids):
            return "".join(str(i) for i in ids)

    text = rt.sample_text(lm, Vocab(), "ab", 5, 1.0, torch.Generator().manual_seed(0))
    assert isinstance(text, str) and len(text) == 7


def test_lr_finder_and_debugging_recipe(digits, device):
    torch.manual_seed(0)
    model = ct.digits_mlp(8)
    kw = dict(steps=20, lr_max=0.5)  # no divergence: large learning rates would amplify rounding differences
    res = lr_finder.lr_range_test(model, digits.x_train, digits.y_train, device=device,
                                  generator=torch.Generator().manual_seed(0), **kw)
    ref = lr_finder.lr_range_test(model, digits.x_train, digits.y_train, generator=torch.Generator().manual_seed(0),
                                  **kw)
    assert isinstance(res.losses, np.ndarray)
    _close(res.losses, ref.losses, device, "LR range test")

    assert type(tr.initial_loss(ct.digits_mlp(8), digits.x_val, digits.y_val, device=device)) is float
    torch.manual_seed(0)
    losses = tr.overfit_one_batch(ct.digits_mlp(8), digits.x_train[:16], digits.y_train[:16], steps=10, device=device)
    torch.manual_seed(0)
    ref = tr.overfit_one_batch(ct.digits_mlp(8), digits.x_train[:16], digits.y_train[:16], steps=10)
    _close(losses, ref, device, "overfit one batch")

    run = tr.debug_run("labels shuffled", epochs=1, device=device)  # a bug that cannot amplify rounding
    _close(run.train_loss, tr.debug_run("labels shuffled", epochs=1).train_loss, device, "debug run")


def test_explain_approximation_and_transformer(digits, device):
    torch.manual_seed(0)
    cnn = explain.TinyCNN()
    losses = explain.train_classifier(cnn, digits.x_train[:256], digits.y_train[:256], epochs=1, device=device)
    _on(cnn, device)
    _floats(losses + [explain.accuracy(cnn, digits.x_val, digits.y_val)])

    if device.type != "mps":  # fit_mlp works in float64
        x = np.linspace(-1, 1, 20)[:, None]
        fit = approximation.fit_mlp(x, np.sin(3 * x), optimizer="adam", steps=20, device=device)
        _on(fit.model, device)
        ref = approximation.fit_mlp(x, np.sin(3 * x), optimizer="adam", steps=20)
        _close(fit.losses, ref.losses, device, "fit_mlp")
        assert isinstance(fit.predict(x), np.ndarray)

    config = ah.TransformerConfig(steps=10)
    model, hist = ah.train_tiny_transformer(config, device=device)
    _on(model, device)
    _close(hist["loss"], ah.train_tiny_transformer(config)[1]["loss"], device, "tiny Transformer")
    maps, predicted = ah.compute_attention_maps(model, torch.zeros((2, config.length), dtype=torch.int64))
    assert isinstance(maps, np.ndarray) and isinstance(predicted, np.ndarray)
