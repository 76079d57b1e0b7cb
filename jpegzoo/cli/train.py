"""``jpegzoo train NAME``: train a zoo model, resumably (re-run to continue).

Every option is optional but ``--images``; an option given goes to the model's trainer
(:func:`jpegzoo.training.train`) and one that trainer does not take is refused; options
left out keep the trainer's defaults.
"""

import inspect
import os
import sys

from jpegzoo.cli.arguments import bounded_int, positive_float

#: The options passed to the trainer when given: (flag, argparse keywords). The trainer's
#: parameter is the flag's name with ``_`` for ``-``.
OPTIONS = (
    ("--steps", {"type": bounded_int("--steps", 1, 10**9), "metavar": "N",
                 "help": "optimisation steps in all (a rerun continues to N)"}),
    ("--batch-size", {"type": bounded_int("--batch-size", 1, 10**6), "metavar": "N",
                      "help": "examples per step (crops; blocks for mutation_bitcount; "
                              "samples for lossless_predictor)"}),
    ("--crop", {"type": bounded_int("--crop", 16, 4096), "metavar": "PX",
                "help": "side of the square training crops"}),
    ("--learning-rate", {"type": positive_float("--learning-rate"), "metavar": "LR",
                         "help": "peak learning rate"}),
    ("--validate-every", {"type": bounded_int("--validate-every", 1, 10**9), "metavar": "N",
                          "help": "steps between validations (and checkpoints)"}),
    ("--seed", {"type": int, "help": "seed of the crops, samples and initialisation"}),
    ("--init-weights", {"metavar": "FILE",
                        "help": "start from these weights (fine-tuning, or a second "
                                "schedule); for gan_ae the compressive_ae weights to start "
                                "from"}),
    ("--init-cae", {"metavar": "WEIGHTS",
                    "help": "mean_scale_hyperprior: start its transforms and gains from "
                            "compressive_ae weights ('shipped' for the zoo's)"}),
    ("--freeze-transforms", {"action": "store_const", "const": True,
                             "help": "mean_scale_hyperprior: keep the analysis and synthesis "
                                     "transforms fixed (a first stage after --init-cae)"}),
    ("--jit", {"action": "store_const", "const": True,
               "help": "compile the training steps with XLA (learned codecs; measured "
                       "slower on a 2-core CPU)"}),
    ("--mode", {"choices": ("decoder", "joint"),
                "help": "gan_ae: fine-tune the decoder only (the shipped model) or train "
                        "the whole codec"}),
    ("--adversarial-weight", {"type": positive_float("--adversarial-weight", zero=True),
                              "metavar": "BETA",
                              "help": "gan_ae: weight of the adversarial loss"}),
    ("--epochs", {"type": bounded_int("--epochs", 1, 10**6), "metavar": "N",
                  "help": "epochs (mutation_bitcount, lossless_predictor)"}),
    ("--steps-per-epoch", {"type": bounded_int("--steps-per-epoch", 1, 10**9),
                           "metavar": "N", "help": "mutation_bitcount: steps per epoch"}),
    ("--strategy", {"choices": ("default", "mirrored", "multi_worker"),
                    "help": "mutation_bitcount: tf.distribute strategy: default (one "
                            "device), mirrored (all local GPUs), multi_worker (TF_CONFIG)"}),
    ("--per-photo", {"type": bounded_int("--per-photo", 3, 10**9), "metavar": "N",
                     "help": "lossless_predictor: random samples per training photo"}),
)


def add_parser(commands):
    parser = commands.add_parser(
        "train", help="train a zoo model (resumable: re-run the same command to continue)",
        description="Train zoo model NAME on photos (resumable: re-run the same command to "
                    "continue). Options left out keep the model's defaults (its card gives "
                    "the budget of the shipped weights); an option the model's trainer does "
                    "not take is refused.")
    parser.add_argument("name", metavar="NAME", help="a trainable zoo model, e.g. "
                                                     "qtable_generator, compressive_ae")
    parser.add_argument("--images", required=True, nargs="+", metavar="DIR",
                        help="folders of training photos (each split into training and "
                             "validation photos by a hash of the file names)")
    parser.add_argument("--work", metavar="DIR",
                        help="working folder for data, checkpoints and logs "
                             "(default ./training/NAME)")
    for flag, keywords in OPTIONS:
        parser.add_argument(flag, default=None, **keywords)
    parser.set_defaults(run=run)


def run(args):
    from jpegzoo import training
    from jpegzoo.tensorflow_runtime import start_tensorflow

    trainer = training.trainer(args.name)  # unknown or untrainable names fail first
    taken = inspect.signature(trainer).parameters
    options = {}
    for flag, _ in OPTIONS:
        name = flag[2:].replace("-", "_")
        if getattr(args, name) is None:
            continue
        if name not in taken:
            flags = ", ".join(f for f, _ in OPTIONS if f[2:].replace("-", "_") in taken)
            raise ValueError(f"{flag} does not apply to {args.name} (its options: {flags})")
        options[name] = getattr(args, name)
    if "verbose" in taken:  # Keras fit: a progress bar, or a line an epoch in logs
        options["verbose"] = 1 if sys.stdout.isatty() else 2
    for folder in args.images:
        if not os.path.isdir(folder):
            raise ValueError(f"{folder}: training image folder not found")
    images = args.images[0] if len(args.images) == 1 else args.images
    work = args.work or os.path.join("training", args.name)
    start_tensorflow()
    best = training.train(args.name, images, work, **options)
    print(f"best weights: {best}")
