"""Training photos and the crops zoo models train on (numpy, deterministic given a rng).

The one data path of the zoo's trainers (:mod:`jpegzoo.training`): every trainer loads its
photos with :func:`load_photos`.
"""

from pathlib import Path

import numpy as np


def load_photos(folders, validation_fraction=0.1, min_side=256):
    """``{"train": [uint8 images], "validation": [...]}`` of one or more folders of RGB
    photos (a path, or a list of paths), each folder split as :mod:`jpegzoo.datasets`
    splits folders (by a hash of each path relative to its folder), so adding a folder
    never moves another folder's photos between splits."""
    from jpegzoo.datasets.folder_split import list_images, partition
    from jpegzoo.imageio import read_image

    folders = [folders] if isinstance(folders, (str, Path)) else list(folders)
    photos = {"train": [], "validation": []}
    for folder in folders:
        for split, paths in partition(list_images(folder), validation_fraction).items():
            images = [read_image(Path(folder) / path) for path in paths]
            photos[split] += [i for i in images if i.ndim == 3 and min(i.shape[:2]) >= min_side]
    return photos


def require_training_photos(photos, folders, min_side=256):
    """ValueError naming ``folders`` when ``photos`` (of :func:`load_photos`) hold no
    training photo."""
    if not photos["train"]:
        folders = [folders] if isinstance(folders, (str, Path)) else list(folders)
        raise ValueError(f"{', '.join(map(str, folders))}: no training photos (RGB, both "
                         f"sides at least {min_side} px, outside the validation split)")


def random_crops(rng, photos, batch, crop):
    """``[batch, crop, crop, 3]`` uint8 random crops with random flips."""
    out = np.empty((batch, crop, crop, 3), np.uint8)
    for i in range(batch):
        image = photos[rng.integers(len(photos))]
        top = rng.integers(image.shape[0] - crop + 1)
        left = rng.integers(image.shape[1] - crop + 1)
        patch = image[top:top + crop, left:left + crop]
        if rng.random() < 0.5:
            patch = patch[:, ::-1]
        if rng.random() < 0.5:
            patch = patch[::-1]
        out[i] = patch
    return out


def centre_crops(photos, crop):
    return np.stack([p[(p.shape[0] - crop) // 2:][:crop, (p.shape[1] - crop) // 2:][:, :crop]
                     for p in photos])
