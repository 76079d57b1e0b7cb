"""``jpegzoo train NAME``: train a zoo model, resumably (re-run to continue)."""

import os
import sys


def add_parser(commands):
    from jpegzoo.training import STRATEGIES

    parser = commands.add_parser(
        "train", help="train a zoo model (resumable: re-run the same command to continue)")
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--images", default=os.path.join("..", "shared", "data", "train"),
                        metavar="DIR", help="folder of training images")
    parser.add_argument("--work", metavar="DIR",
                        help="working folder for data, checkpoints and logs "
                             "(default ./training/NAME)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--steps-per-epoch", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="examples per step (default: the model's recipe, e.g. 512 "
                             "blocks for mutation_bitcount, 8 crops for qtable_generator)")
    parser.add_argument("--strategy", choices=STRATEGIES, default="default",
                        help="tf.distribute strategy: default (one device), mirrored (all "
                             "local GPUs), multi_worker (TF_CONFIG)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init-weights", metavar="FILE",
                        help="start from these weights (fine-tuning, or a second schedule)")
    parser.add_argument("--learning-rate", type=float, metavar="LR",
                        help="peak learning rate (default: the model's recipe)")
    parser.set_defaults(run=run)


def run(args):
    from jpegzoo import training
    from jpegzoo.zoo import registry

    registry.entry(args.name)  # unknown names fail before any data is prepared
    if not os.path.isdir(args.images):
        raise ValueError(f"{args.images}: training image folder not found")
    work = args.work or os.path.join("training", args.name)
    best = training.train(args.name, args.images, work, epochs=args.epochs,
                          steps_per_epoch=args.steps_per_epoch, batch_size=args.batch_size,
                          strategy=args.strategy, seed=args.seed,
                          init_weights=args.init_weights, learning_rate=args.learning_rate,
                          verbose=1 if sys.stdout.isatty() else 2)  # bar, or a line an epoch
    print(f"best weights: {best}")
