"""Benchmark: the JPEG anchors (libjpeg-turbo, mozjpeg 4:2:0 and 4:4:4 as cjpeg runs it,
jpegli) on Kodak and the training photos' validation split, and BD-rates between them
(see anchors.py for what each anchor and metric is).

    # measure the anchors (resumable: out/images/<image>.csv), write results/anchors.csv,
    # print the BD-rate tables
    .venv/bin/python benchmarks/anchors/run.py [--processes N] [--qualities 10,20,...]
    # tables only, from results/anchors.csv
    .venv/bin/python benchmarks/anchors/run.py --tables
    # BD-rates of any encoder (module:function, encode(image, quality) -> JPEG bytes)
    .venv/bin/python benchmarks/anchors/run.py --compare anchors:libjpeg_turbo --limit 2
"""

import argparse
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import anchors  # noqa: E402


def print_anchor_tables(rows):
    """The BD-rates of each anchor against each other one, per set."""
    names = list(anchors.ANCHORS)
    for reference in names:
        tables = {}
        for set_name in dict.fromkeys(r["set"] for r in rows):
            table = anchors.bd_rates(rows, [n for n in names if n != reference], [reference],
                                     set_name)
            tables[set_name] = {test: values[reference] for test, values in table.items()}
        print(anchors.format_bd_rates(tables, title=f"BD-rate against {reference}",
                                      rows="encoder"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(HERE, "out"),
                        help="per-image CSVs (resumable)")
    parser.add_argument("--qualities", default=",".join(map(str, anchors.QUALITIES)))
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--tables", action="store_true",
                        help="only print the tables of results/anchors.csv")
    parser.add_argument("--compare", metavar="MODULE:FUNCTION",
                        help="BD-rates of this encoder against the anchors")
    parser.add_argument("--limit", type=int,
                        help="with --compare: the first N images of each set only")
    args = parser.parse_args(argv)
    qualities = [int(q) for q in args.qualities.split(",") if q.strip()]
    if args.compare:
        from jpegzoo.lazy import resolve

        name = args.compare  # "module:function", never an anchor's name
        out = os.path.join(args.out, "compare", name.replace(":", "."))
        sets = {k: v[:args.limit] for k, v in anchors.image_sets().items()}
        tables = anchors.bd_rates_against_anchors(resolve(args.compare), qualities, name,
                                                  sets=sets, out_dir=out,
                                                  processes=args.processes)
        print(anchors.format_bd_rates(tables, title=f"BD-rate of {name} against"))
        return
    if not args.tables:
        start = time.perf_counter()
        anchors.measure_sets(anchors.ANCHORS, qualities, args.out, processes=args.processes)
        os.makedirs(os.path.dirname(anchors.RESULTS_CSV), exist_ok=True)
        shutil.copyfile(os.path.join(args.out, "points.csv"), anchors.RESULTS_CSV)
        print(f"measured in {time.perf_counter() - start:.0f} s; {anchors.RESULTS_CSV}\n")
    print_anchor_tables(anchors.read_rows())


if __name__ == "__main__":
    main()
