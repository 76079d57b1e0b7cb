"""Progress of long work: the library's hooks (jpegzoo.progress; silent by default) and
the command line's bars on stderr (jpegzoo.cli.progress)."""

import os

import numpy as np
import pytest

from jpegzoo import progress
from jpegzoo.cli import main

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO_ROOT, "jpegzoo", "data", "samples", "kodim05_crop256.png")


class Recorder:
    def __init__(self):
        self.reports = []

    def __call__(self, task, done, total):
        self.reports.append((task, done, total))

    def tasks(self):
        return {task for task, _, _ in self.reports}

    def steps(self, task):
        return [(done, total) for name, done, total in self.reports if name == task]


def test_reports_reach_the_listener_of_the_block_only():
    recorder = Recorder()
    progress.report("outside", 1)
    with progress.listening(recorder):
        assert list(progress.tracked([10, 20, 30], "loop")) == [10, 20, 30]
        with progress.listening(None):
            progress.report("muted", 1)
    progress.report("after", 1)
    assert recorder.reports == [("loop", 0, 3), ("loop", 1, 3), ("loop", 2, 3), ("loop", 3, 3)]


def test_tracked_reports_a_step_once_its_body_ran():
    recorder, seen = Recorder(), []
    with progress.listening(recorder):
        for item in progress.tracked(iter("ab"), "letters", total=2):
            seen.append((item, recorder.reports[-1][1]))
    assert seen == [("a", 0), ("b", 1)] and recorder.reports[-1] == ("letters", 2, 2)


@pytest.mark.parametrize("height,width", [(1, 1), (1, 7), (7, 1), (5, 2), (13, 7), (4, 9)])
def test_wavefront_count(height, width):
    from jpegzoo.zoo.lossless_predictor.model import wavefront_count, wavefronts

    fronts = list(wavefronts(height, width))
    assert wavefront_count(height, width) == len(fronts)
    assert sum(len(ys) for ys, _ in fronts) == height * width


@pytest.fixture(scope="module")
def image():
    from jpegzoo.imageio import read_image

    return read_image(SAMPLE)


def test_lossless_coding_reports_every_wavefront(image):
    from jpegzoo.zoo.codec import trained

    codec, crop, recorder = trained("lossless_predictor"), image[:6, :10], Recorder()
    with progress.listening(recorder):
        data = codec.compress(crop)
        np.testing.assert_array_equal(codec.decompress(data), crop)
    for task in ("lossless coding", "lossless decoding"):
        assert recorder.steps(task) == [(done, 20) for done in range(21)]  # 10 + 2 * 5


def test_progressive_codec_reports_iterations(image):
    from jpegzoo.zoo.codec import trained

    codec, recorder = trained("recurrent_residual_ae"), Recorder()
    with progress.listening(recorder):
        data = codec.compress(image[:32, :48], quality=3)
        codec.decompress(data, iterations=2)
    assert recorder.steps("rnn encoding") == [(k, 3) for k in range(4)]
    assert recorder.steps("rnn decoding") == [(k, 2) for k in range(3)]


def test_searches_report_their_attempts(image):
    from jpegzoo.zoo.codec import trained
    from jpegzoo.zoo.mutated_jpeg.method import SEARCH_STEPS

    recorder = Recorder()
    with progress.listening(recorder):
        trained("mutated_jpeg").compress(image, target_ssim=0.9)
        trained("qtable_generator").compress(image, target_msssim=0.95)
    assert recorder.steps("SSIM search")[:SEARCH_STEPS + 1] == \
        [(k, SEARCH_STEPS) for k in range(SEARCH_STEPS + 1)]
    attempts = recorder.steps("MS-SSIM search (generator)")
    assert [done for done, _ in attempts] == list(range(1, len(attempts) + 1))
    assert len(attempts) >= 3


def test_the_library_prints_nothing_by_default(capsys, image):
    from jpegzoo.zoo.codec import trained

    trained("lossless_predictor").compress(image[:4, :4])
    assert capsys.readouterr() == ("", "")


def test_encode_draws_bars_on_stderr_when_asked(capsys, tmp_path):
    status = main(["encode", SAMPLE, str(tmp_path / "out.jpg"), "--method", "mutated",
                   "--target-ssim", "0.9", "--progress"])
    out, err = capsys.readouterr()
    assert status == 0 and "SSIM search" in err and "step" in err
    assert len(out.splitlines()) == 1 and "SSIM search" not in out
    status = main(["encode", SAMPLE, str(tmp_path / "out2.jpg"), "--method", "mutated",
                   "--target-ssim", "0.9"])
    out, err = capsys.readouterr()
    assert status == 0 and err == ""  # stderr is no terminal here: no bars unasked


def test_decode_draws_bars_when_asked(capsys, tmp_path, image):
    from PIL import Image

    source = tmp_path / "crop.png"
    Image.fromarray(image[:8, :12]).save(source)
    assert main(["encode", str(source), str(tmp_path / "x.jzc"), "--method", "lossless"]) == 0
    status = main(["decode", str(tmp_path / "x.jzc"), str(tmp_path / "x.png"), "--progress"])
    _, err = capsys.readouterr()
    assert status == 0 and "lossless decoding" in err
