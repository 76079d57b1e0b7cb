"""``jpegzoo methods``: list the registered encoding methods, with the files they write
and what ``--quality`` means for each."""

from jpegzoo import methods


def add_parser(commands):
    parser = commands.add_parser("methods", help="list the methods --method accepts")
    parser.set_defaults(run=run)


def run(args):
    for name in methods.names():
        method = methods.get(name)
        print(f"{name:12s} {method.summary}")
        print(f"{'':12s} writes {method.suffix} files; --quality: {method.quality}")
