"""Seconds per training step of the learned-codec trainer
(``jpegzoo.training.learned_codec.Trainer``):
batch 8 of 128x128 crops, quality levels cycling as in training, for each codec and with or
without XLA (``--jit``).

    .venv/bin/python benchmarks/learned_codecs/step_time.py [--rounds 3] \
        [--runs mean_scale_hyperprior,mean_scale_hyperprior:jit,compressive_ae]

Every run first takes one step per level (tracing / XLA compilation, reported apart);
then, round after round, each run in turn times one cycle of levels (so that a shared
machine's changing load falls on all runs alike); the table gives the median and the
fastest round, per step. Photos: the package's four 256x256 samples (the content does not
change the time); nothing is saved (temporary work folders).
"""

import argparse
import os
import sys
import tempfile
import time
from importlib.resources import files

HERE = os.path.dirname(os.path.abspath(__file__))


def trainer_of(name, jit, work, batch=8, crop=128):
    from jpegzoo.imageio import read_image
    from jpegzoo.training.learned_codec import Trainer

    samples = files("jpegzoo") / "data" / "samples"
    photos = [read_image(str(path)) for path in sorted(samples.iterdir())
              if path.name.endswith(".png")]
    return Trainer(name, work, {"train": photos, "validation": []}, batch, crop,
                   steps=10 ** 6, jit=jit)


def cycle(trainer, rng, start):
    """Seconds of one step at each level (crops drawn before the clock starts)."""
    from jpegzoo.datasets.photo_crops import random_crops

    levels = trainer.model.qualities
    crops = [random_crops(rng, trainer.photos["train"], trainer.batch, trainer.crop)
             for _ in range(levels)]
    started = time.perf_counter()
    for step, images in enumerate(crops):
        trainer.train_batch(start + step, images)
    return time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", default="mean_scale_hyperprior,mean_scale_hyperprior:jit,"
                                          "compressive_ae",
                        help="comma-separated NAME or NAME:jit")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.join(HERE, "..", ".."))
    import numpy as np

    runs = [(name, option == "jit") for name, _, option in
            (run.partition(":") for run in args.runs.split(","))]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as work:
        trainers = [trainer_of(name, jit, os.path.join(work, str(i)))
                    for i, (name, jit) in enumerate(runs)]
        first = [cycle(trainer, rng, 0) for trainer in trainers]
        times = [[] for _ in runs]
        for number in range(args.rounds):
            for trainer, spent in zip(trainers, times):
                levels = trainer.model.qualities
                spent.append(cycle(trainer, rng, levels * (number + 1)) / levels)
    print("| codec | XLA | first step of each level (s, total) | s / step (median) | "
          "s / step (fastest round) |")
    print("|---|---|---:|---:|---:|")
    for (name, jit), compile_time, spent in zip(runs, first, times):
        print(f"| {name} | {'yes' if jit else 'no'} | {compile_time:.1f} | "
              f"{np.median(spent):.3f} | {min(spent):.3f} |")


if __name__ == "__main__":
    main()
