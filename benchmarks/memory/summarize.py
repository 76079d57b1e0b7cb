"""Tables of benchmarks/memory/results/*.csv (written by run.py): results/results.md.

Per method, from the runs that finished (status ``ok``):

- peak MB at each image size, and MB per megapixel at the largest size measured;
- the marginal memory, MB per added megapixel: the slope between the two largest sizes;
- seconds per megapixel at the largest size;
- the largest image whose peak stays under 16 GiB, from the line through the two
  largest sizes (an extrapolation where the largest size measured is below it).

Usage::

    python benchmarks/memory/summarize.py
"""

import csv
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_MB = 16 * 1024
ORDER = ("pillow", "baseline", "cae", "dct_ae", "gan", "hyperprior", "rnn", "lossless",
         "mutated", "qtable")


def load(name):
    """``{method: {megapixels: row}}`` of a results CSV (last run of each pair wins)."""
    runs = defaultdict(dict)
    path = RESULTS / name
    if path.exists():
        with path.open() as handle:
            for row in csv.DictReader(handle):
                runs[row["method"]][float(row["megapixels"])] = row
    return runs


def fitted(rows):
    """(MB per added MP, largest MP under the budget) from the two largest finished runs
    (None where fewer than two finished)."""
    done = sorted((mp, float(r["peak_mb"])) for mp, r in rows.items() if r["status"] == "ok")
    if len(done) < 2:
        return None, None
    (small, low), (large, high) = done[-2:]
    slope = (high - low) / (large - small)
    return slope, (BUDGET_MB - (high - slope * large)) / slope if slope > 0 else float("inf")


def cell(row):
    if row is None:
        return ""
    if row["status"] != "ok":
        return f"> {float(row['peak_mb']) / 1024:.1f} GB ({row['status']})"
    return f"{float(row['peak_mb']):,.0f}"


def after_table(runs, sizes):
    head = " | ".join(f"peak MB at {mp:g} MP" for mp in sizes)
    lines = [f"| method | {head} | MB/MP at largest | MB per added MP | s/MP at largest | "
             f"largest image under 16 GiB |",
             "|---" + "|---:" * (len(sizes) + 4) + "|"]
    for method in ORDER:
        rows = runs.get(method)
        if not rows:
            continue
        done = [mp for mp in sorted(rows) if rows[mp]["status"] == "ok"]
        largest = rows[done[-1]] if done else None
        slope, limit = fitted(rows)
        per_mp = f"{float(largest['mb_per_mp']):,.0f}" if largest else ""
        seconds = f"{float(largest['s_per_mp']):.1f}" if largest else ""
        marginal = f"{slope:,.0f}" if slope is not None else ""
        fits = "" if limit is None else (f"{limit:,.0f} MP" + (
            " (extrapolated)" if limit > done[-1] else ""))
        cells = " | ".join(cell(rows.get(mp)) for mp in sizes)
        lines.append(f"| {method} | {cells} | {per_mp} | {marginal} | {seconds} | {fits} |")
    return "\n".join(lines)


def comparison_table(before, after, sizes):
    lines = ["| method | " + " | ".join(f"before, {mp:g} MP | after, {mp:g} MP"
                                        for mp in sizes) + " |",
             "|---" + "|---:" * (2 * len(sizes)) + "|"]
    for method in ORDER:
        if method not in before:
            continue
        cells = []
        for mp in sizes:
            for runs in (before, after):
                row = runs.get(method, {}).get(mp)
                cells.append(cell(row) + (f" MB, {float(row['wall_s']):.0f} s"
                                          if row and row["status"] == "ok" else ""))
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    before, after = load("before.csv"), load("after.csv")
    sizes = sorted({mp for rows in after.values() for mp in rows})
    shared = sorted({mp for rows in before.values() for mp in rows})
    text = ("# Peak memory of `jpegzoo encode` (results of run.py)\n\n"
            "## After (bounded)\n\n" + after_table(after, sizes) + "\n\n"
            "## Before and after (peak MB, wall s)\n\n"
            + comparison_table(before, after, shared) + "\n")
    (RESULTS / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
