"""Peak memory of mutation_bitcount's serving signature against the request size.

Exports the shipped model as a SavedModel (TF Serving layout) once, then for each
request size starts a fresh process that loads the SavedModel, sends one request of N
random JPEG blocks (int32 [N, 64] levels within JPEG's ranges, component [N]) to
``serving_default`` and reports its peak resident memory (``ru_maxrss``) and time.

    .venv/bin/python benchmarks/mutation_bitcount/serving_memory.py --rows 10000 100000 1000000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def serve_once(path, rows):
    """Run in the child: load, send one request of ``rows`` blocks, print JSON figures."""
    import resource

    import numpy as np
    import tensorflow as tf

    loaded = tf.saved_model.load(path)
    serve = loaded.signatures["serving_default"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rng = np.random.default_rng(0)
    coefficients = np.zeros((rows, 64), np.int32)
    coefficients[:, :16] = rng.integers(-20, 21, (rows, 16), dtype=np.int32)
    component = rng.integers(0, 2, rows, dtype=np.int32)
    start = time.perf_counter()
    bits = serve(coefficients=tf.constant(coefficients), component=tf.constant(component))["bits"]
    seconds = time.perf_counter() - start
    assert bits.shape == (rows,) and np.isfinite(bits.numpy()).all()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "peak_mib": peak / 1024, "after_load_mib": before / 1024,
                      "seconds": seconds}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        serve_once(args.child[0], int(args.child[1]))
        return
    from jpegzoo import zoo
    from jpegzoo.export import export_saved_model

    with tempfile.TemporaryDirectory() as base:
        path = export_saved_model(zoo.load("mutation_bitcount"), base)
        print("| rows | peak RSS (MiB) | RSS after load (MiB) | seconds |")
        print("|---:|---:|---:|---:|")
        for rows in args.rows:
            out = subprocess.run([sys.executable, __file__, "--child", path, str(rows)],
                                 capture_output=True, text=True, check=True,
                                 env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"| {rows:,} | {result['peak_mib']:.0f} | {result['after_load_mib']:.0f} | "
                  f"{result['seconds']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
