"""``jpegzoo methods``: list the registered encoding methods."""

from jpegzoo import methods


def add_parser(commands):
    parser = commands.add_parser("methods", help="list the methods --method accepts")
    parser.set_defaults(run=run)


def run(args):
    for name in methods.names():
        print(f"{name:12s} {methods.get(name).summary}")
