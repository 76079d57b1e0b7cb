"""CI: build the wheel, check it holds every data file git tracks under jpegzoo/, install
it (not editable) into a folder of its own and run the installed jpegzoo from outside the
work tree: one encode (and decode) per method family.

    python .ci/check_wheel.py [--keep]

An editable install hides missing package data; this does not.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: (method, quality, suffix): one per family -- the JPEG writer, the mutated encoder (mined
#: data), the table generator (weights), a factorized-prior codec, the progressive codec,
#: the lossless coder.
ENCODES = [("baseline", 75, ".jpg"), ("mutated", 75, ".jpg"), ("qtable", 75, ".jpg"),
           ("cae", 2, ".jzc"), ("hyperprior", 2, ".jzc"), ("rnn", 2, ".jzc"),
           ("lossless", 1, ".jzc")]


def run(command, **kwargs):
    print("+", " ".join(str(c) for c in command), flush=True)
    return subprocess.run(command, check=True, text=True, **kwargs)


def build_wheel(out):
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)])
    wheels = sorted(out.glob("jpegzoo-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"expected one jpegzoo wheel in {out}, found {wheels}")
    return wheels[0]


def check_data_files(wheel):
    tracked = run(["git", "ls-files", "jpegzoo"], cwd=ROOT, capture_output=True).stdout.split()
    data = {path for path in tracked if not path.endswith(".py")}
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    missing = sorted(data - packed)
    if missing:
        sys.exit("files tracked under jpegzoo/ but missing from the wheel "
                 "(pyproject.toml package-data):\n  " + "\n  ".join(missing))
    print(f"wheel holds all {len(data)} tracked data files")


def check_installed(wheel, work):
    site = work / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)])
    env = {**os.environ, "PYTHONPATH": str(site)}
    outside = work / "run"
    outside.mkdir()

    def jpegzoo(*args):
        return run([sys.executable, "-m", "jpegzoo.cli", *map(str, args)], cwd=outside,
                   env=env, capture_output=True)

    where = run([sys.executable, "-c", "import jpegzoo; print(jpegzoo.__file__)"],
                cwd=outside, env=env, capture_output=True).stdout.strip()
    if not where.startswith(str(site)):
        sys.exit(f"imported jpegzoo from {where}, not from the installed wheel")
    sample = run([sys.executable, "-c", "from importlib.resources import files; print(files("
                  "'jpegzoo') / 'data' / 'samples' / 'kodim23_crop256.png')"],
                 cwd=outside, env=env, capture_output=True).stdout.strip()
    for method, quality, suffix in ENCODES:
        out = outside / f"{method}{suffix}"
        result = jpegzoo("encode", sample, out, "--method", method, "-q", quality)
        print("   ", result.stdout.strip())
        if suffix == ".jzc":
            result = jpegzoo("decode", out, outside / f"{method}.png")
            print("   ", result.stdout.strip())
    run([sys.executable, "-c", "from jpegzoo.zoo.qtable_generator.rate_model import "
         "shipped_estimator; print('rate estimator:', type(shipped_estimator()).__name__)"],
        cwd=outside, env=env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="jpegzoo-wheel-"))
    try:
        wheel = build_wheel(work / "dist")
        check_data_files(wheel)
        check_installed(wheel, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("wheel check passed")


if __name__ == "__main__":
    main()
