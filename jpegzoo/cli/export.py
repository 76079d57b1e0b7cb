"""``jpegzoo export NAME DIR``: a zoo model as a TF Serving SavedModel, DIR/NAME/VERSION/."""

from jpegzoo.cli.arguments import bounded_int


def add_parser(commands):
    parser = commands.add_parser(
        "export", help="export a zoo model as a SavedModel for TF Serving",
        description="Export the zoo model NAME to DIR/NAME/VERSION/ (a SavedModel whose "
                    "'serving_default' signature takes the model's named inputs) and write "
                    "DIR/models.config listing every model exported under DIR, for "
                    "tensorflow_model_server --model_config_file. The version directory is "
                    "written atomically and an existing one is kept unless --overwrite.")
    parser.add_argument("name", metavar="NAME", help="zoo model name (see the zoo's list)")
    parser.add_argument("directory", metavar="DIR", help="model base directory (created)")
    parser.add_argument("--version", default=1, metavar="N",
                        type=bounded_int("version", 1, 2**63 - 1, allowed="a positive integer"),
                        help="model version, a positive integer (default 1)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace DIR/NAME/N if it exists")
    parser.add_argument("--serving-root", default="/models", metavar="PATH",
                        help="where DIR is mounted in the server, for the base paths in "
                             "models.config (default /models)")
    parser.set_defaults(run=run)


def run(args):
    import os

    from jpegzoo import zoo
    from jpegzoo.export import saved_model
    from jpegzoo.tensorflow_runtime import start_tensorflow
    from jpegzoo.zoo import registry

    registry.entry(args.name)  # unknown names fail first, listing the known ones

    # refuse a bad name or an existing version before loading TensorFlow's model
    target = saved_model.version_dir(args.directory, args.name, args.version)
    if os.path.lexists(target) and not args.overwrite:
        raise FileExistsError(f"{target}: version {args.version} exists already "
                              f"(pass --overwrite to replace it)")
    if os.path.exists(args.directory) and not os.path.isdir(args.directory):
        raise NotADirectoryError(f"{args.directory}: not a directory")
    start_tensorflow()
    model = zoo.load(args.name)
    path = saved_model.export_saved_model(model, args.directory, version=args.version,
                                          name=args.name, overwrite=args.overwrite)
    config = saved_model.write_models_config(args.directory, serving_root=args.serving_root)
    print(f"{path}: {args.name} version {args.version}")
    for line in saved_model.signature_summary(path):
        print(f"  {line}")
    names = saved_model.model_names(args.directory)
    print(f"{config}: {len(names)} model(s): {', '.join(names)}")

