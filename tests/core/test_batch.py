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


def test_a_bad_shot_is_reported_and_the_others_finish(shot_list, tmp_path):
    lines = []
    outcomes = run_shots(shot_list, report=lines.append)
    assert [(o.name, o.status) for o in outcomes] == [("intro", "done"), ("broken", "failed"), ("outro", "done")]
    assert "no_such_clip.mp4: no such file" in outcomes[1].detail
    assert media.count_finished_frames(tmp_path / "renders" / "intro") == 10
    assert media.probe_video(tmp_path / "renders" / "outro.mp4").size == (256, 256)
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
