#!/usr/bin/python3
"""Reference steps for sparkcnn's optimizers, from PyTorch (Debian's python3-torch).

A tiny DenseNet-BC with every part of the real one (a 3x3 stem convolution, two dense blocks of two
bottleneck layers at growth rate 4, a transition BN-ReLU-Conv1x1-AvgPool2x2 with theta 0.5, the final
BN-ReLU, global average pooling, a fully connected softmax classifier), written functionally over a
dict of parameters named and laid out as sparkcnn's DL4J graph names and lays them out, so the Java
test (OptimizerAgreementTest) loads the same initial weights and inputs and compares step by step:

  sgd-nesterov-l2: 10 steps of torch.optim.SGD(lr 0.1, momentum 0.9, nesterov, weight_decay 1e-4),
                   the rate divided by 10 after step 5 (the DenseNet schedule's drop)
  adam-l2:         10 steps of torch.optim.Adam(lr 0.001, weight_decay 1e-4)
  adamw:           10 steps of torch.optim.AdamW(lr 0.01, weight_decay 0.01)

Each case is also run in float64: a reference is kept only where PyTorch's float32 steps agree with
its own float64 ones to 1e-5, so that 1e-4 asks for the same steps, not for the same rounding (at lr 0.01
and decay 1e-4, Adam's float32 and float64 steps part by 1e-3 after step 3: that case is ill-conditioned).

The test needs no PyTorch: this writes its answers to
worker-kernels/src/test/resources/sparkcnn/optim/pytorch-steps.json.gz. Run it again after changing the net:

    /usr/bin/python3 bench/peer/optim_reference.py
"""
import gzip
import json
import os

import torch
import torch.nn.functional as F

BATCH, CLASSES, SIZE, GROWTH, INITIAL, STEPS = 8, 3, 8, 4, 6, 10
BLOCKS = [("block1", 2), ("block2", 2)]
EPS, BN_MOMENTUM = 1e-5, 0.1  # DL4J's batch norm: eps 1e-5, decay 0.9


def batch_norm_names(prefix, sep):
    return {p: prefix + sep + p for p in ("gamma", "beta", "mean", "log10stdev")}


def initial_parameters(generator):
    """Parameters in DL4J's names and shapes; batch norms' scale and shift away from 1 and 0, running stats fresh."""
    params = {}

    def conv(name, out, inp, k):
        params[name] = torch.randn(out, inp, k, k, generator=generator) * (2.0 / (inp * k * k)) ** 0.5

    def bn(prefix, sep, c):
        n = batch_norm_names(prefix, sep)
        params[n["gamma"]] = 1 + 0.1 * torch.randn(1, c, generator=generator)
        params[n["beta"]] = 0.1 * torch.randn(1, c, generator=generator)
        params[n["mean"]] = torch.zeros(1, c)
        params[n["log10stdev"]] = torch.zeros(1, c)  # variance 1

    conv("stem_conv3x3_W", INITIAL, 3, 3)
    maps = INITIAL
    for b, (block, layers) in enumerate(BLOCKS):
        for l in range(1, layers + 1):
            bn(f"{block}_layer{l}.bn1", ".", maps)
            conv(f"{block}_layer{l}.conv1x1.W", 4 * GROWTH, maps, 1)
            bn(f"{block}_layer{l}.bn2", ".", 4 * GROWTH)
            conv(f"{block}_layer{l}.conv3x3.W", GROWTH, 4 * GROWTH, 3)
            maps += GROWTH
        if b < len(BLOCKS) - 1:
            bn(f"transition{b + 1}_bn", "_", maps)
            conv(f"transition{b + 1}_conv1x1_W", maps // 2, maps, 1)
            maps //= 2
    bn("final_bn", "_", maps)
    params["output_W"] = torch.randn(maps, CLASSES, generator=generator) * (1.0 / maps) ** 0.5  # DL4J: nIn x nOut
    params["output_b"] = 0.1 * torch.randn(1, CLASSES, generator=generator)
    return params


class Net:
    """The forward pass over the parameter dict; running variances kept as PyTorch keeps them."""

    def __init__(self, params):
        self.p = {k: v.clone().requires_grad_(not is_running(k)) for k, v in params.items()}
        self.running_var = {k: torch.ones(v.shape[1], dtype=v.dtype) for k, v in params.items()
                            if k.endswith("log10stdev")}

    def trainable(self):
        return [v for k, v in self.p.items() if not is_running(k)]

    def bn_relu(self, x, prefix, sep, training):
        n = batch_norm_names(prefix, sep)
        mean = self.p[n["mean"]].detach().view(-1).clone()  # batch_norm updates these in place, and keeps them for
        var = self.running_var[n["log10stdev"]].clone()      # backward: fresh ones each call
        y = F.batch_norm(x, mean, var, self.p[n["gamma"]].view(-1), self.p[n["beta"]].view(-1),
                         training=training, momentum=BN_MOMENTUM, eps=EPS)
        with torch.no_grad():
            self.p[n["mean"]].copy_(mean.view(1, -1))
            self.running_var[n["log10stdev"]] = var.clone()
            self.p[n["log10stdev"]].copy_(torch.log10(var.sqrt()).view(1, -1))
        return F.relu(y)

    def forward(self, x, training=True):
        h = F.conv2d(x, self.p["stem_conv3x3_W"], padding=1)
        for b, (block, layers) in enumerate(BLOCKS):
            for l in range(1, layers + 1):
                y = self.bn_relu(h, f"{block}_layer{l}.bn1", ".", training)
                y = F.conv2d(y, self.p[f"{block}_layer{l}.conv1x1.W"])
                y = self.bn_relu(y, f"{block}_layer{l}.bn2", ".", training)
                y = F.conv2d(y, self.p[f"{block}_layer{l}.conv3x3.W"], padding=1)
                h = torch.cat([h, y], 1)
            if b < len(BLOCKS) - 1:
                h = self.bn_relu(h, f"transition{b + 1}_bn", "_", training)
                h = F.avg_pool2d(F.conv2d(h, self.p[f"transition{b + 1}_conv1x1_W"]), 2)
        h = self.bn_relu(h, "final_bn", "_", training).mean((2, 3))
        return h @ self.p["output_W"] + self.p["output_b"]


def is_running(name):
    return name.endswith(".mean") or name.endswith("_mean") or name.endswith("log10stdev")


def flat(t):
    """Float32 values to 8 significant digits (the comparison is to 1e-4)."""
    return [float("%.8g" % v) for v in t.detach().reshape(-1).tolist()]


def run(case, params, batches, make_optimizer, drop_after=None):
    steps, running, eval_loss = steps_of(params, batches, make_optimizer, drop_after, torch.float32)
    exact, _, _ = steps_of(params, batches, make_optimizer, drop_after, torch.float64)
    conditioning = max(relative(s["params"][k], e["params"][k]) for s, e in zip(steps, exact) for k in s["params"])
    losses = " ".join("%.4f" % s["loss"] for s in steps)
    print(f"{case}: losses {losses}; eval loss {eval_loss:.4f}; float32 against float64 {conditioning:.1e}")
    if conditioning > 1e-5:
        raise SystemExit(f"{case}: PyTorch's float32 steps part from its float64 ones by {conditioning:.1e}: "
                         "an ill-conditioned reference, choose another rate or decay")
    for s in steps:
        s["params"] = {k: flat(v) for k, v in s["params"].items()}
    return {"steps": steps, "running_statistics": {k: flat(v) for k, v in running.items()},
            "eval_loss_first_batch": eval_loss, "float32_against_float64": conditioning}


def relative(a, b):
    return float((a.double() - b.double()).norm() / b.double().norm())


def steps_of(params, batches, make_optimizer, drop_after, dtype):
    net = Net({k: v.to(dtype) for k, v in params.items()})
    batches = [(x.to(dtype), y) for x, y in batches]
    optimizer = make_optimizer(net.trainable())
    steps = []
    for i, (x, y) in enumerate(batches):
        if drop_after is not None and i == drop_after:
            for group in optimizer.param_groups:
                group["lr"] /= 10
        optimizer.zero_grad()
        loss = F.cross_entropy(net.forward(x), y)
        loss.backward()
        optimizer.step()
        steps.append({"loss": float(loss), "lr": optimizer.param_groups[0]["lr"],
                      "params": {k: v.detach().clone() for k, v in net.p.items() if not is_running(k)}})
    x, y = batches[0]
    with torch.no_grad():
        eval_loss = float(F.cross_entropy(net.forward(x, training=False), y))
    return steps, {k: v.detach().clone() for k, v in net.p.items() if is_running(k)}, eval_loss


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    generator = torch.Generator().manual_seed(2017)
    params = initial_parameters(generator)
    batches = [(torch.randn(BATCH, 3, SIZE, SIZE, generator=generator),
                torch.randint(0, CLASSES, (BATCH,), generator=generator)) for _ in range(STEPS)]
    cases = {
        "sgd-nesterov-l2": run("sgd-nesterov-l2", params, batches, lambda p: torch.optim.SGD(
            p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4), drop_after=5),
        "adam-l2": run("adam-l2", params, batches, lambda p: torch.optim.Adam(p, lr=0.001, weight_decay=1e-4)),
        "adamw": run("adamw", params, batches, lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.01)),
    }
    out = {
        "torch": torch.__version__,
        "shapes": {k: list(v.shape) for k, v in params.items()},
        "initial": {k: flat(v) for k, v in params.items()},
        "batches": [{"x": flat(x), "x_shape": list(x.shape), "labels": [int(v) for v in y]} for x, y in batches],
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "worker-kernels", "src", "test",
                        "resources", "sparkcnn", "optim", "pytorch-steps.json.gz")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wt") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
