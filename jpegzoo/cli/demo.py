"""``jpegzoo demo``: encode the bundled sample images at several qualities with every
registered method, and write a rate-distortion plot, a table and the files themselves."""

import os
import time

from jpegzoo.cli.arguments import ijg_qualities

DEFAULT_QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)


def add_parser(commands):
    from jpegzoo import methods

    parser = commands.add_parser(
        "demo", help="encode the bundled sample images and plot rate against distortion")
    parser.add_argument("--out", default="jpegzoo-demo", metavar="DIR",
                        help="output folder (default ./jpegzoo-demo)")
    parser.add_argument("--images", metavar="DIR",
                        help="use the PNG/JPEG images in DIR instead of the bundled samples")
    parser.add_argument("--methods", default=",".join(methods.demo_names()), metavar="A,B",
                        help=f"comma-separated methods (default: "
                             f"{','.join(methods.demo_names())})")
    parser.add_argument("--qualities", default=",".join(map(str, DEFAULT_QUALITIES)),
                        metavar="Q,Q", help="comma-separated IJG qualities")
    parser.add_argument("--subsampling", choices=("444", "422", "420"), default="420")
    parser.set_defaults(run=run)


def run(args):
    from jpegzoo import evaluation, methods, metrics
    from jpegzoo.tensorflow_runtime import start_tensorflow

    method_names = [m.strip() for m in args.methods.split(",") if m.strip()]
    for name in method_names:
        methods.get(name)
    qualities = ijg_qualities(args.qualities)
    images = _load_images(args.images)
    files = os.path.join(args.out, "files")
    os.makedirs(files, exist_ok=True)
    print(f"jpegzoo demo: {len(images)} images x {len(qualities)} qualities x "
          f"{len(method_names)} methods ({', '.join(method_names)}), {args.subsampling}, "
          f"optimized Huffman tables; metrics: PSNR, Y-PSNR, SSIM, MS-SSIM (sides of "
          f"{metrics.MS_SSIM_MIN_SIZE}+ px), SSIMULACRA2")
    start_tensorflow()
    start = time.perf_counter()
    points = evaluation.evaluate(images, method_names, qualities, subsampling=args.subsampling,
                                 output_folder=files)
    anchor = "pillow" if "pillow" in method_names else None
    summary = evaluation.write_report(points, args.out, anchor=anchor,
                                      title=f"jpegzoo demo ({len(images)} images)")
    print(summary)
    print(f"wrote {os.path.join(args.out, 'rd_curve.png')}, rd_summary.md, rd_points.csv and "
          f"{len(points)} files in {files} ({time.perf_counter() - start:.1f} s)")


def _load_images(folder):
    from jpegzoo.imageio import read_image

    if folder is None:
        from importlib.resources import files

        samples = files("jpegzoo") / "data" / "samples"
        paths = sorted(str(p) for p in samples.iterdir() if p.name.endswith(".png"))
    else:
        if not os.path.isdir(folder):
            raise ValueError(f"{folder}: not a folder")
        paths = sorted(os.path.join(folder, n) for n in os.listdir(folder)
                       if n.lower().endswith((".png", ".jpg", ".jpeg", ".ppm", ".bmp")))
    if not paths:
        raise ValueError(f"no images found in {folder}")
    return {os.path.splitext(os.path.basename(p))[0]: read_image(p) for p in paths}
