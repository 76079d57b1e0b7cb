"""``jpegzoo mine-mutations``: mine the mutated JPEG encoder's mutation sets, in worker
processes (resumable), or with ``--beam`` as an Apache Beam pipeline
(:mod:`jpegzoo.pipelines.mining`) for collections beyond one machine."""

import glob
import os

from jpegzoo.cli.arguments import bounded_int, ijg_qualities


def add_parser(commands):
    parser = commands.add_parser(
        "mine-mutations",
        help="mine mutation sets for the mutated JPEG encoder from training photos "
             "(resumable: re-run the same command to continue)")
    parser.add_argument("--images", required=True, metavar="DIR",
                        help="folder of training photos (PNG/JPEG); with --beam, a folder "
                             "or file pattern on any Beam file system")
    parser.add_argument("--work", default=os.path.join("training", "mutated_jpeg"),
                        metavar="DIR", help="working folder for samples and finished jobs")
    parser.add_argument("--output", metavar="FILE",
                        help="where to write the sets (default: WORK/mutation_sets.npz)")
    parser.add_argument("--qualities", default="10,20,30,40,50,60,70,80,90,95",
                        help="comma-separated IJG qualities")
    parser.add_argument("--blocks-per-image", default=1000,
                        type=bounded_int("--blocks-per-image", 1, 100000))
    parser.add_argument("--l1-bound", type=bounded_int("--l1-bound", 1, 64), default=6)
    parser.add_argument("--set-size", type=bounded_int("--set-size", 1, 1024), default=64)
    parser.add_argument("--processes", type=bounded_int("--processes", 1, 256),
                        default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--beam", action="store_true",
                        help="run as an Apache Beam pipeline (needs jpegzoo[beam]; "
                             "--processes: DirectRunner workers; Beam options after --)")
    parser.add_argument("--shards", type=bounded_int("--shards", 1, 100000), default=8,
                        help="with --beam: block shards per half and component (default 8)")
    parser.add_argument("beam_options", nargs="*", metavar="BEAM_OPTIONS",
                        help="after --: Apache Beam pipeline options (with --beam)")
    parser.set_defaults(run=run)


def run(args):
    from jpegzoo.tensorflow_runtime import start_tensorflow
    from jpegzoo.zoo.mutated_jpeg import mining

    if args.beam_options and not args.beam:
        raise ValueError(f"unexpected arguments {' '.join(args.beam_options)} (Beam options "
                         "go with --beam)")
    if args.beam:
        return _run_on_beam(args, mining)
    paths = sorted(p for pattern in ("*.png", "*.jpg", "*.jpeg")
                   for p in glob.glob(os.path.join(args.images, pattern)))
    if not paths:
        raise ValueError(f"{args.images}: no PNG or JPEG photos found")
    qualities = ijg_qualities(args.qualities)
    config = mining.MiningConfig(blocks_per_image=args.blocks_per_image,
                                 l1_bound=args.l1_bound, set_size=args.set_size,
                                 seed=args.seed)
    start_tensorflow()
    output = args.output or os.path.join(args.work, "mutation_sets.npz")
    sets, _ = mining.mine(paths, args.work, output, qualities, config, args.processes)
    sizes = ", ".join(f"q{q} {c} {len(v)}" for (q, c), v in sorted(sets.items()))
    print(f"wrote {output} ({sizes})")


def _run_on_beam(args, mining):
    from jpegzoo.cli.bulk import beam_modules, beam_options
    from jpegzoo.tensorflow_runtime import start_tensorflow

    beam, options = beam_modules(), beam_options(args.beam_options, args.processes)
    from jpegzoo.pipelines import files
    from jpegzoo.pipelines import mining as beam_mining

    qualities = ijg_qualities(args.qualities)
    config = mining.MiningConfig(blocks_per_image=args.blocks_per_image,
                                 l1_bound=args.l1_bound, set_size=args.set_size,
                                 seed=args.seed)
    output = files.absolute(args.output or "mutation_sets.npz")
    pattern = files.input_pattern(args.images)
    start_tensorflow()  # the photos' DCT runs in TensorFlow (quietly, in this process)
    pipeline = beam.Pipeline(options=options)
    beam_mining.build(pipeline, pattern, output, qualities, config, args.shards)
    pipeline.run().wait_until_finish()
    print(f"wrote {output}")
