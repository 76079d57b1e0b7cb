"""RD plots of ``--method best`` (each tune) against the JPEG anchors: mean curves per set on
PSNR, SSIM (dB), MS-SSIM (dB) and SSIMULACRA2 against bpp, from results/points.csv and
benchmarks/anchors/results/anchors.csv.

    .venv/bin/python benchmarks/best/plot.py     # -> results/rd_<set>.png
"""

import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "anchors"))
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import anchors  # noqa: E402

RESULTS = os.path.join(HERE, "results")


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from jpegzoo.evaluation import mean_curves

    with open(os.path.join(RESULTS, "points.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    measured = {(r["set"], r["image"]) for r in rows}
    rows += [r for r in anchors.read_rows() if (r["set"], r["image"]) in measured]
    for set_name in dict.fromkeys(r["set"] for r in rows):
        curves = mean_curves([r for r in rows if r["set"] == set_name], key="encoder")
        figure, axes = plt.subplots(2, 2, figsize=(11, 8))
        for axis, (field, label) in zip(axes.flat, anchors.BD_METRICS.items()):
            for name, curve in sorted(curves.items()):
                style = "-" if name.startswith("best") else "--"
                axis.plot(curve["bpp"], curve[field], style, marker=".", label=name)
            axis.set_xlabel("bits per pixel")
            axis.set_ylabel(label)
            axis.set_xlim(0, 3.5)
            axis.grid(alpha=0.3)
        axes.flat[0].legend(fontsize=8)
        images = len({r["image"] for r in rows if r["set"] == set_name})
        figure.suptitle(f"best (each tune) against the JPEG anchors: {set_name}, "
                        f"{images} images, mean curves")
        figure.tight_layout()
        path = os.path.join(RESULTS, f"rd_{set_name}.png")
        figure.savefig(path, dpi=100)
        print(path)


if __name__ == "__main__":
    main()
