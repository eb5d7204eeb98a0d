#!/usr/bin/python3
"""PyTorch peer for accuracy: DenseNet-BC trained on Fashion-MNIST with sparkcnn's recipe, one process.

The same network as sparkcnn's densenet-bc (torchvision's dense blocks and transitions, bench/peer/
torch_bench.py), initialised as sparkcnn initialises it (He normal for every convolution and the
classifier, zero bias, batch norms 1 and 0), the same data (the first --train-limit training images,
pixels / 255, every test image), the same augmentation (zero-pad 4, random crop, horizontal flip,
fresh each epoch), the same optimizer (torch.optim.SGD nesterov, coupled weight decay) and schedule
(x factor at each fraction of the epochs, stepped by progress). One JSON line per epoch on stdout.
A measuring stick only: nothing in sparkcnn uses it.

    /usr/bin/python3 bench/peer/torch_train.py --epochs 4 --train-limit 10000 --seed 1
"""
import argparse
import gzip
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_bench import DenseNetBC

DATA = "/usr/share/datasets/fashion-mnist/"


def idx(path, limit=0):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    return data[:limit] if limit else data


def augment(images, generator):
    """Zero-pad 4, a random 28x28 crop, a horizontal flip with probability 1/2, per image."""
    n, _, h, w = images.shape
    padded = F.pad(images, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=generator)
    dx = torch.randint(0, 9, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(images)
    for i in range(n):
        crop = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
        out[i] = crop.flip(-1) if flip[i] else crop
    return out


def he_init(model):
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def evaluate(model, images, labels, batch=500):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out = model(images[i:i + batch])
            loss += float(F.cross_entropy(out, labels[i:i + batch], reduction="sum"))
            correct += int((out.argmax(1) == labels[i:i + batch]).sum())
    model.train()
    return correct / len(images), loss / len(images)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--depth", type=int, default=40)
    p.add_argument("--growth", type=int, default=12)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--train-limit", type=int, default=10000)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--steps", default="0.5,0.75")
    p.add_argument("--factor", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    generator = torch.Generator().manual_seed(a.seed)
    train_x = torch.from_numpy(idx(DATA + "train-images-idx3-ubyte.gz", a.train_limit).copy()).float().div_(255).unsqueeze(1)
    train_y = torch.from_numpy(idx(DATA + "train-labels-idx1-ubyte.gz", a.train_limit).astype(np.int64))
    test_x = torch.from_numpy(idx(DATA + "t10k-images-idx3-ubyte.gz").copy()).float().div_(255).unsqueeze(1)
    test_y = torch.from_numpy(idx(DATA + "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    model = DenseNetBC(a.depth, a.growth, classes=10, in_channels=1)
    he_init(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, nesterov=True,
                                weight_decay=a.weight_decay)
    steps = [float(s) for s in a.steps.split(",") if s]
    per_epoch = math.ceil(len(train_x) / a.batch)
    for epoch in range(1, a.epochs + 1):
        start = time.time()
        order = torch.randperm(len(train_x), generator=generator)
        losses = []
        for b in range(per_epoch):
            progress = (epoch - 1 + b / per_epoch) / a.epochs
            for group in optimizer.param_groups:
                group["lr"] = a.lr * a.factor ** sum(progress >= s for s in steps)
            index = order[b * a.batch:(b + 1) * a.batch]
            loss = F.cross_entropy(model(augment(train_x[index], generator)), train_y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
        accuracy, test_loss = evaluate(model, test_x, test_y)
        print(json.dumps({"event": "epoch", "epoch": epoch, "seed": a.seed, "test_accuracy": accuracy,
                          "test_loss": test_loss, "train_loss": sum(losses) / len(losses),
                          "lr": optimizer.param_groups[0]["lr"], "seconds": time.time() - start,
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
