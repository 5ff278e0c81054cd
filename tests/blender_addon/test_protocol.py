"""The add-on's side of the worker protocol: command lines out, events in."""
import json

import pytest

from blender_addon.logic.protocol import EXIT, ProtocolError, command, exit_event, new_id, parse_event


def test_command_is_one_json_line_with_its_fields():
    line = command("animate", "job-1", job={"driver": "motion:talk"})
    assert "\n" not in line
    assert json.loads(line) == {"cmd": "animate", "id": "job-1", "job": {"driver": "motion:talk"}}
    assert json.loads(command("quit")) == {"cmd": "quit"}


def test_events_are_parsed_with_their_id_and_fields():
    event = parse_event('{"event": "frame", "id": "job-1", "index": 3, "path": "/x/frame_000003.png"}\n')
    assert (event.kind, event.job_id, event.get("index"), event.get("path")) == ("frame", "job-1", 3,
                                                                                   "/x/frame_000003.png")
    assert parse_event('{"event": "ready", "id": null, "pid": 5}').job_id is None


@pytest.mark.parametrize("line", ["Loading model...", "[1, 2]", '{"event": "explode", "id": "a"}', '{"id": "a"}'])
def test_lines_that_are_not_events_are_refused(line):
    with pytest.raises(ProtocolError):
        parse_event(line)


def test_ids_are_unique_and_exit_events_carry_the_log():
    assert len({new_id() for _ in range(100)}) == 100
    event = exit_event(-9, ["a", "b"])
    assert event.kind == EXIT and event.get("returncode") == -9 and event.get("log") == ["a", "b"]
