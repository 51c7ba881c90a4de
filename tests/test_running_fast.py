"""Chapter 13's helpers (helpers.labs.running_fast) and exercise checkers (helpers.exercises.ch13).

CPU always; the tests with a ``dev`` argument also run on CUDA when a GPU is present (their own
parametrisation, independent of ``--device``). The data-parallel test starts 2 real gloo processes.
"""

from __future__ import annotations

import collections
import math

import pytest
import torch
import torch.nn.functional as F

from helpers.exercises import ch13
from helpers.labs import running_fast as rf
from helpers.labs.running_fast import compiling, distributed, precision

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


# ------------------------------------------------------------------------------------------ devices, timing
def test_to_device_rebuilds_nested_structures_and_keeps_the_rest():
    Pair = collections.namedtuple("Pair", "a b")
    batch = {"x": torch.ones(2, 3), "meta": [Pair(torch.zeros(1), "id"), (torch.arange(3), 7)], "n": 4}
    moved = rf.to_device(batch, "meta")
    assert moved["x"].device.type == "meta" and moved["x"].shape == (2, 3)
    assert isinstance(moved["meta"][0], Pair) and moved["meta"][0].a.device.type == "meta"
    assert moved["meta"][0].b == "id" and moved["meta"][1][1] == 7 and moved["n"] == 4
    assert isinstance(moved["meta"][1], tuple) and moved["meta"][1][0].device.type == "meta"
    assert batch["x"].device.type == "cpu"  # the input is not modified


def test_time_it_counts_repeats_and_orders_its_statistics():
    calls = []
    t = rf.time_it(lambda: calls.append(1), device="cpu", repeats=5, warmup=2)
    assert len(calls) == 7 and t.repeats == 5
    assert 0 <= t.best <= t.median <= t.worst


def test_time_it_rejects_bad_counts():
    with pytest.raises(ValueError, match="repeats >= 1"):
        rf.time_it(lambda: None, device="cpu", repeats=0)


def test_time_it_sees_a_bigger_product_take_longer():
    a, b = torch.randn(512, 512), torch.randn(16, 16)
    assert rf.time_it(lambda: a @ a, device="cpu").median > rf.time_it(lambda: b @ b, device="cpu").median


# ------------------------------------------------------------------------------------------------ loading
def test_digits_tensors_shapes_and_standardisation():
    x, y, x_test, y_test = rf.digits_tensors()
    assert x.shape == (1024, 64) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert x_test.shape == (359, 64) and set(y.tolist()) == set(range(10))
    with pytest.raises(ValueError, match="n_train"):
        rf.digits_tensors(n_train=0)


def test_dataset_and_loader_give_the_same_batches_for_any_number_of_workers():
    x, y = torch.randn(40, 64), torch.arange(40)
    ds = rf.DigitsDataset(x, y)
    assert len(ds) == 40 and torch.equal(ds[3][0], x[3])
    with pytest.raises(ValueError, match="as many labels"):
        rf.DigitsDataset(x, y[:3])
    ys = [torch.cat([yb for _, yb in rf.make_loader(ds, batch_size=8, num_workers=k, seed=5)]) for k in (0, 1)]
    assert torch.equal(ys[0], ys[1]) and sorted(ys[0].tolist()) == list(range(40))
    other = torch.cat([yb for _, yb in rf.make_loader(ds, batch_size=8, seed=6)])
    assert not torch.equal(ys[0], other)


# ---------------------------------------------------------------------------------------------- precision
def test_format_table_matches_torch_finfo():
    for name, (exp_bits, man_bits) in precision.FORMATS.items():
        fi = torch.finfo(precision.DTYPES[name])
        assert fi.eps == 2.0**-man_bits and 1 + exp_bits + man_bits == fi.bits


@pytest.mark.parametrize("dev", DEVICES)
def test_float32_amp_step_is_a_plain_sgd_step(dev):
    x, y = torch.randn(16, 64, device=dev), torch.randint(0, 10, (16,), device=dev)
    models = [precision.make_mlp(seed=3, hidden=8).to(dev) for _ in range(2)]
    opts = [torch.optim.SGD(m.parameters(), lr=0.1) for m in models]
    scaler = torch.amp.GradScaler(torch.device(dev).type, enabled=False)
    loss = precision.amp_train_step(models[0], opts[0], scaler, x, y, dtype=torch.float32)
    opts[1].zero_grad()
    ref = F.cross_entropy(models[1](x), y)
    ref.backward()
    opts[1].step()
    assert loss.item() == ref.item()
    assert all(torch.equal(p, q) for p, q in zip(models[0].parameters(), models[1].parameters()))


@pytest.mark.parametrize("dev", DEVICES)
def test_float16_step_skips_an_overflow_and_halves_the_scale(dev):
    model = precision.make_mlp(seed=0, hidden=8).to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(torch.device(dev).type, init_scale=2.0**16)
    x, y = torch.randn(8, 64, device=dev), torch.randint(0, 10, (8,), device=dev)
    x[0, 0] = math.inf
    before = [p.detach().clone() for p in model.parameters()]
    precision.amp_train_step(model, opt, scaler, x, y, dtype=torch.float16)
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))
    assert scaler.get_scale() == 2.0**15


def test_clipping_before_unscaling_shrinks_the_step_by_the_scale():
    moved = []
    for step in (precision.amp_train_step, precision.amp_train_step_clip_before_unscale):
        model = precision.make_mlp(seed=0, hidden=8)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
        x, y = torch.randn(8, 64, generator=torch.Generator().manual_seed(1)), torch.arange(8)
        before = [p.detach().clone() for p in model.parameters()]
        step(model, opt, scaler, x, y, dtype=torch.float16, max_norm=0.5)
        moved.append(max((p - b).abs().max().item() for p, b in zip(model.parameters(), before)))
    assert moved[1] < moved[0] / 1000


@pytest.mark.parametrize("dev", DEVICES)
def test_train_with_precision_keeps_float32_weights_and_learns(dev):
    run = precision.train_with_precision("bfloat16", device=dev, epochs=2)
    assert run.param_dtype == torch.float32 and run.test_accuracy > 0.85 and run.skipped_steps == 0
    with pytest.raises(ValueError, match="precision"):
        precision.train_with_precision("float8")


def test_logit_error_is_of_the_order_of_the_formats_eps():
    run = precision.train_with_precision("float32", epochs=1)
    _, _, x_test, _ = rf.digits_tensors()
    err16, errbf = (precision.logit_error(run.model, x_test, d) for d in (torch.float16, torch.bfloat16))
    assert 0 < err16 < errbf < 0.05


# ---------------------------------------------------------------------------------------------- compiling
def test_compile_model_computes_what_the_eager_model_computes():
    model = precision.make_mlp(seed=0, hidden=8)
    x = torch.randn(5, 64)
    compiled, backend = rf.compile_model(model, x, backend="eager")
    assert backend == "eager"
    torch.testing.assert_close(compiled(x), model(x))
    assert compiling.default_backend("cpu") == "aot_eager" and compiling.default_backend("cuda") == "inductor"


def test_compile_model_falls_back_to_eager_when_compilation_fails():
    model = precision.make_mlp(seed=0, hidden=8)
    compiled, backend = rf.compile_model(model, torch.randn(2, 64), backend="no_such_backend")
    assert compiled is model and backend == "eager"


# -------------------------------------------------------------------------------------------- distributed
def test_ddp_config_validates_the_split():
    with pytest.raises(ValueError, match="dividing global_batch"):
        distributed.DDPConfig(world_size=3, global_batch=64)


def test_backend_for_picks_nccl_only_with_a_gpu_per_rank(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.distributed, "is_nccl_available", lambda: True)
    assert distributed.backend_for(2) == ("nccl", "cuda")
    assert distributed.backend_for(4) == ("gloo", "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert distributed.backend_for(1) == ("gloo", "cpu")


def test_global_batches_are_disjoint_rank_shares_that_cover_the_data():
    cfg = distributed.DDPConfig(world_size=2, global_batch=8)
    epoch0, epoch1 = (distributed.global_batches(cfg, 32, e) for e in (0, 1))
    assert len(epoch0) == 4 and all(len(b) == 8 for b in epoch0)
    assert sorted(torch.cat(epoch0).tolist()) == list(range(32))
    assert not torch.equal(torch.cat(epoch0), torch.cat(epoch1))  # set_epoch reshuffles
    sampler = torch.utils.data.DistributedSampler(range(32), num_replicas=2, rank=1, shuffle=True, seed=0)
    assert torch.equal(epoch0[0][4:], torch.tensor(list(sampler))[:4])  # second half of a batch: rank 1's share


def test_max_difference():
    assert distributed.max_difference([torch.zeros(2), torch.ones(3)], [torch.zeros(2), torch.full((3,), 1.5)]) == 0.5


def test_ddp_on_two_processes_matches_one_process_on_the_global_batch():
    # float64: the two runs add the same numbers in a different order, and in float32 training can amplify that
    # (seen: 1e-4 after 16 steps on one CPU); in float64 the differences stay at the 1e-16 level
    cfg = distributed.DDPConfig(world_size=2, global_batch=64, epochs=1, dtype="float64")
    ddp = distributed.run_ddp(cfg)
    single = distributed.single_process_run(cfg, device=ddp.device_type)
    assert ddp.world_size == 2 and len(ddp.losses) == len(single.losses) == 16
    assert ddp.first_grads[0][0].dtype == torch.float64
    assert distributed.max_difference(ddp.first_grads[0], single.first_grads[0]) < 1e-12
    assert distributed.max_difference(ddp.params[0], ddp.params[1]) == 0
    assert distributed.max_difference(ddp.params[0], single.params[0]) < 1e-12
    assert max(abs(u - v) for u, v in zip(ddp.losses, single.losses)) < 1e-12
    # the rank-local gradient alone would differ: DDP really averaged over both halves of the batch
    model = precision.make_mlp(seed=cfg.seed).double()
    x, y, _, _ = rf.digits_tensors(seed=cfg.seed)
    half = distributed.global_batches(cfg, len(y), 0)[0][:32]
    F.cross_entropy(model(x[half].double()), y[half]).backward()
    assert distributed.max_difference([p.grad for p in model.parameters()], single.first_grads[0]) > 1e-3


def test_ddp_config_rejects_other_dtypes():
    with pytest.raises(ValueError, match="dtype"):
        distributed.DDPConfig(dtype="float16")


# ------------------------------------------------------------------------------------------------ checkers
def solution_to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: solution_to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(solution_to_device(v, device) for v in batch)
    return batch


def test_check_to_device(capsys):
    assert ch13.check_to_device(solution_to_device) and ch13.check_to_device(rf.to_device)
    assert not ch13.check_to_device(lambda batch, device: batch)
    assert "batch['x'] is on cpu, expected meta" in capsys.readouterr().out
    shallow = lambda b, d: {k: (v.to(d) if torch.is_tensor(v) else v) for k, v in b.items()}  # noqa: E731
    assert not ch13.check_to_device(shallow)
    assert "batch['extra'][0] is on cpu" in capsys.readouterr().out

    def as_lists(batch, device):
        if isinstance(batch, torch.Tensor):
            return batch.to(device)
        if isinstance(batch, dict):
            return {k: as_lists(v, device) for k, v in batch.items()}
        return [as_lists(v, device) for v in batch] if isinstance(batch, (list, tuple)) else batch

    assert not ch13.check_to_device(as_lists)
    assert "keep the container type" in capsys.readouterr().out
    assert not ch13.check_to_device(lambda batch, device: 1 / 0)
    assert "raised ZeroDivisionError" in capsys.readouterr().out


def test_check_bf16_rounding(capsys):
    assert ch13.check_bf16_rounding(1.0, 0.99609375)
    assert not ch13.check_bf16_rounding(1.003, 0.997)
    assert "not a bfloat16 number" in capsys.readouterr().out
    assert not ch13.check_bf16_rounding(1.0, 1.0)  # a bfloat16 number, but the wrong neighbour
    assert "not the nearest one" in capsys.readouterr().out
    assert not ch13.check_bf16_rounding("one", 1.0)
    assert "expected a number" in capsys.readouterr().out


def amp_solution(model, opt, scaler, x, y, max_norm):
    opt.zero_grad(set_to_none=True)
    with torch.autocast(x.device.type, dtype=torch.float16):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    if max_norm is not None:
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(opt)
    scaler.update()
    return loss.detach()


def amp_stub(model, opt, scaler, x, y, max_norm):  # the notebook's stub: clips before unscaling
    return precision.amp_train_step_clip_before_unscale(model, opt, scaler, x, y, dtype=torch.float16,
                                                        max_norm=max_norm)


def amp_plain_optimizer_step(model, opt, scaler, x, y, max_norm):
    opt.zero_grad()
    with torch.autocast(x.device.type, dtype=torch.float16):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    opt.step()  # applies the scaled gradients and never skips an overflow


def amp_without_update(model, opt, scaler, x, y, max_norm):
    opt.zero_grad()
    with torch.autocast(x.device.type, dtype=torch.float16):
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(opt)


def amp_update_once_per_call_but_never_shrinks(model, opt, scaler, x, y, max_norm):
    amp_solution(model, opt, scaler, x, y, max_norm)
    scaler.update(2.0**16)  # pins the scale: it never adapts


def test_check_amp_step(capsys):
    assert ch13.check_amp_step(amp_solution)
    assert not ch13.check_amp_step(amp_stub)
    assert "still multiplied by when clip_grad_norm_ sees them" in capsys.readouterr().out
    assert not ch13.check_amp_step(amp_plain_optimizer_step)
    assert "scaler.step(opt) unscales them first" in capsys.readouterr().out
    assert not ch13.check_amp_step(amp_without_update)
    assert "step() has already been called since the last update()" in capsys.readouterr().out
    assert not ch13.check_amp_step(amp_update_once_per_call_but_never_shrinks)
    assert "the loss scale did not shrink" in capsys.readouterr().out


def accumulate_solution(model, x, y, k):
    for xb, yb in zip(x.chunk(k), y.chunk(k)):
        (F.cross_entropy(model(xb), yb) / k).backward()


def accumulate_stub(model, x, y, k):
    for xb, yb in zip(x.chunk(k), y.chunk(k)):
        F.cross_entropy(model(xb), yb).backward()


def accumulate_zero_grad_inside(model, x, y, k):
    for xb, yb in zip(x.chunk(k), y.chunk(k)):
        model.zero_grad()
        (F.cross_entropy(model(xb), yb) / k).backward()


def accumulate_sum_loss(model, x, y, k):
    for xb, yb in zip(x.chunk(k), y.chunk(k)):
        (F.cross_entropy(model(xb), yb, reduction="sum") / k).backward()


def test_check_accumulated_gradients(capsys):
    assert ch13.check_accumulated_gradients(accumulate_solution)
    assert not ch13.check_accumulated_gradients(accumulate_stub)
    assert "the gradients are 2× too large" in capsys.readouterr().out
    assert not ch13.check_accumulated_gradients(accumulate_zero_grad_inside)
    assert "only the last micro-batch's gradient is left" in capsys.readouterr().out
    assert not ch13.check_accumulated_gradients(accumulate_sum_loss)
    assert "differ from the full-batch gradient" in capsys.readouterr().out
    assert not ch13.check_accumulated_gradients(lambda model, x, y, k: None)
    assert "have no .grad" in capsys.readouterr().out
