#!/usr/bin/python3
"""PyTorch peer for `sparkcnn bench train`: the same models, batches and threads, timed the same way.

A measuring stick only (Debian's python3-torch and python3-torchvision); nothing in sparkcnn uses it.
Prints one JSON object: training and inference images/s (medians) and peak resident memory.

    /usr/bin/python3 bench/peer/torch_bench.py --model densenet-bc-40 --batch 64 --threads 2
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class PatternNet(nn.Module):
    """cs231n: INPUT -> [CONV3x3(32) -> RELU -> POOL] -> [CONV3x3(64) -> RELU -> POOL] -> FC(128) -> RELU -> FC."""

    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class DenseNetBC(nn.Module):
    """CIFAR DenseNet-BC (Huang et al. 2017): 3 dense blocks of (L - 4) / 6 bottleneck layers, theta = 0.5,
    from torchvision's own dense blocks and transitions, so `memory_efficient` is torchvision's switch
    (Pleiss et al. 2017 through checkpointing) exactly as densenet121(memory_efficient=True) uses it."""

    def __init__(self, depth, growth, classes=10, theta=0.5, memory_efficient=False, in_channels=3):
        super().__init__()
        from torchvision.models.densenet import _DenseBlock, _Transition
        n = (depth - 4) // 6
        channels = 2 * growth
        layers = [nn.Conv2d(in_channels, channels, 3, padding=1, bias=False)]
        for block in range(3):
            layers.append(_DenseBlock(n, channels, 4, growth, 0.0, memory_efficient=memory_efficient))
            channels += n * growth
            if block < 2:
                out = int(theta * channels)
                layers.append(_Transition(channels, out))
                channels = out
        self.features = nn.Sequential(*layers)
        self.bn = nn.BatchNorm2d(channels)
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        x = F.relu(self.bn(self.features(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


IMAGENET_BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32), 264: (6, 12, 64, 48)}


def model_for(name, memory_efficient=False):
    if name == "pattern":
        return PatternNet(), (1, 28, 28), 10
    if name.startswith("densenet-bc-"):
        return DenseNetBC(int(name.rsplit("-", 1)[1]), 12, memory_efficient=memory_efficient), (3, 32, 32), 10
    depth = int(name.rsplit("-", 1)[1]) if name.startswith("densenet-") else 0
    if depth in IMAGENET_BLOCKS:
        import torchvision
        net = torchvision.models.DenseNet(32, IMAGENET_BLOCKS[depth], 64, memory_efficient=memory_efficient)
        return net, (3, 224, 224), 1000
    raise SystemExit("unknown model " + name)


def peak_rss_bytes():
    """This process's peak resident set: Linux's VmHWM. getrusage's ru_maxrss is not it: across fork and
    exec it keeps the parent's peak, so a peer started by a JVM of 2 GB reported 2 GB whatever it used."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def median_seconds(step, warmup, iters, warmup_times=None):
    for _ in range(warmup):
        t0 = time.perf_counter()
        step()
        if warmup_times is not None:
            warmup_times.append(time.perf_counter() - t0)
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--inference", action="store_true")
    p.add_argument("--memory-efficient", action="store_true",
                   help="torchvision's memory_efficient=True: dense layers' BN-ReLU-Conv1x1 recomputed in backward")
    p.add_argument("--profile", type=int, default=0,
                   help="after timing, this many training steps under torch.profiler; its table to --profile-out")
    p.add_argument("--profile-out")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model, shape, classes = model_for(a.model, a.memory_efficient)
    x = torch.randn(a.batch, *shape)
    y = torch.randint(0, classes, (a.batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)

    def train_step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    model.train()
    warmup_times = []
    train = median_seconds(train_step, a.warmup, a.iters, warmup_times)
    result = {"model": a.model, "batch": a.batch, "threads": a.threads, "torch": torch.__version__,
              "memory_efficient": a.memory_efficient,
              "mkldnn": torch.backends.mkldnn.is_available(), "train_seconds_per_batch": train,
              "train_images_per_second": a.batch / train, "train_warmup_seconds": warmup_times}
    if a.inference:
        model.eval()
        with torch.no_grad():
            infer = median_seconds(lambda: model(x), a.warmup, a.iters)
        result["inference_images_per_second"] = a.batch / infer
    result["peak_rss_bytes"] = peak_rss_bytes()
    if a.profile > 0:
        model.train()
        t0 = time.perf_counter()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            for _ in range(a.profile):
                train_step()
        result["profiled_seconds_per_step"] = (time.perf_counter() - t0) / a.profile
        table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25)
        with open(a.profile_out, "w") as f:
            f.write(table)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
