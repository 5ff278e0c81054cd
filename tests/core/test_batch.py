"""Batch shots: a shot list with a bad shot finishes the good ones and reports the bad one."""
from __future__ import annotations

import pytest

from talking_heads import media
from talking_heads.batch import read_shot_list, run_shots, shot_job, summary_table
from talking_heads.cli import main
from talking_heads.errors import InputError


@pytest.fixture
def shot_list(tmp_path, portraits_dir, clips_dir):
    (tmp_path / "renders").mkdir()
    path = tmp_path / "shots.toml"
    path.write_text(f'''
[intro]
source = "{portraits_dir / 's42.jpg'}"
driver = "motion:blink"
duration = 0.4
renderer = "warp"
output = "renders/intro"

[broken]
source = "{portraits_dir / 's42.jpg'}"
driver = "no_such_clip.mp4"
output = "renders/broken.mp4"

[outro]
source = ["{portraits_dir / 's4.jpg'}"]
driver = "{clips_dir / 'd11.mp4'}"
frames = "0:12"
crop = true
output = "renders/outro.mp4"
''')
    return path


def test_a_bad_shot_is_reported_and_the_others_finish(shot_list, tmp_path, portraits_dir, warp_crop_side):
    lines = []
    outcomes = run_shots(shot_list, report=lines.append)
    assert [(o.name, o.status) for o in outcomes] == [("intro", "done"), ("broken", "failed"), ("outro", "done")]
    assert "no_such_clip.mp4: no such file" in outcomes[1].detail
    assert media.count_finished_frames(tmp_path / "renders" / "intro") == 10
    side = warp_crop_side(portraits_dir / "s4.jpg")
    assert media.probe_video(tmp_path / "renders" / "outro.mp4").size == (side, side)
    assert lines[0] == "[1/3] intro: rendering" and any(line.startswith("[2/3] broken: failed") for line in lines)
    table = summary_table(outcomes)
    assert "2 done, 0 skipped, 1 failed" in table

    again = run_shots(shot_list, report=lambda line: None)
    assert [o.status for o in again] == ["skipped", "failed", "skipped"]


def test_cli_exit_status_and_single_shot(shot_list, capsys):
    assert main(["-q", "batch", str(shot_list), "--shot", "intro"]) == 0
    assert "1 done" in capsys.readouterr().out
    assert main(["-q", "batch", str(shot_list)]) == 1
    assert "failed" in capsys.readouterr().out


def test_shot_paths_resolve_against_the_list(shot_list, tmp_path):
    shots = read_shot_list(shot_list)
    job = shot_job(shots[0], shot_list.parent)
    assert job.output == (tmp_path / "renders" / "intro").resolve() and job.motion_duration == 0.4
    assert shot_job(shots[2], shot_list.parent).frames == (0, 12)


def test_malformed_shot_lists(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[shot\nsource=")
    with pytest.raises(InputError, match="not a valid TOML shot list"):
        read_shot_list(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[a]\nsource = "x.jpg"\ndriver = "motion:talk"\noutput = "o.mp4"\nsparkle = 3\n')
    with pytest.raises(InputError, match="shot 'a'.*sparkle"):
        shot_job(read_shot_list(unknown)[0], tmp_path)


def quick_shots(folder, portraits_dir, **first: str) -> str:
    """Two 2-frame warp shots; `first` replaces or adds TOML values (key = value) of the first."""
    def table(name: str, portrait: str, motion: str, extra: dict[str, str]) -> str:
        values = {"source": f'"{portraits_dir / portrait}"', "driver": f'"motion:{motion}"', "duration": "0.2",
                  "fps": "10", "renderer": '"warp"', "output": f'"{name}"', **extra}
        return f"[{name}]\n" + "\n".join(f"{key} = {value}" for key, value in values.items()) + "\n"

    return table("one", "s42.jpg", "nod", first) + table("two", "s4.jpg", "blink", {})


@pytest.mark.parametrize("key, value, message", [
    ("fps", '"fast"', "shot 'one': fps must be a number, got 'fast'"),
    ("frames", "[1]", "shot 'one': frames must be a list of 2 whole numbers"),
    ("expression", "nan", "shot 'one': expression must be a finite number"),
    ("batch", "0", "shot 'one': batch must be at least 1"),
    ("head_motion", "true", "shot 'one': head_motion must be a number"),
])
def test_a_shot_with_a_bad_value_fails_alone_naming_the_key(tmp_path, portraits_dir, key, value, message):
    path = tmp_path / "shots.toml"
    path.write_text(quick_shots(tmp_path, portraits_dir, **{key: value}))
    outcomes = run_shots(path, report=lambda line: None)
    assert [o.status for o in outcomes] == ["failed", "done"]
    assert message in outcomes[0].detail
    assert "1 done, 0 skipped, 1 failed" in summary_table(outcomes)


def test_changed_options_render_a_finished_shot_again(tmp_path, portraits_dir):
    path = tmp_path / "shots.toml"
    path.write_text(quick_shots(tmp_path, portraits_dir))
    assert [o.status for o in run_shots(path, report=lambda line: None)] == ["done", "done"]
    assert [o.status for o in run_shots(path, report=lambda line: None)] == ["skipped", "skipped"]
    path.write_text(quick_shots(tmp_path, portraits_dir, duration="0.3"))  # the first shot now lasts 3 frames
    outcomes = run_shots(path, report=lambda line: None)
    assert [o.status for o in outcomes] == ["done", "skipped"] and outcomes[0].frames == 3
    assert media.count_finished_frames(tmp_path / "one") == 3


def test_a_corrupt_record_of_finished_shots_is_reported_and_every_shot_renders(tmp_path, portraits_dir):
    path = tmp_path / "shots.toml"
    path.write_text(quick_shots(tmp_path, portraits_dir))
    record = tmp_path / ".shots.done.json"
    for corrupt in ("{not json", "[1, 2]", '{"one": 5}', "[" * 100_000):
        record.write_text(corrupt)
        lines = []
        outcomes = run_shots(path, report=lines.append)
        assert [o.status for o in outcomes] == ["done", "done"], corrupt[:20]
        assert str(record) in lines[0] and "every shot renders again" in lines[0]
