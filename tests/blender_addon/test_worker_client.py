"""The add-on's worker client: events routed by id, answers awaited, a dying process reported.

A small stand-in process speaks the protocol here, so the client's own mechanics are tested in
isolation; the real worker is driven by the operator tests."""
import sys
import textwrap

import pytest

from blender_addon.logic.errors import UserError
from blender_addon.logic.protocol import EXIT, command
from blender_addon.logic.worker_client import WorkerClient

ECHO_WORKER = textwrap.dedent("""
    import json, os, sys
    print(json.dumps({"event": "ready", "id": None}), flush=True)
    print("a stray line that is not an event", flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        if message["cmd"] == "crash":
            print("Traceback: out of memory", file=sys.stderr, flush=True)
            os._exit(3)
        if message["cmd"] == "quit":
            break
        for index in (1, 2):
            print(json.dumps({"event": "frame", "id": message["id"], "index": index}), flush=True)
        print(json.dumps({"event": "done", "id": message["id"], "result": {"echo": message["cmd"]}}), flush=True)
""")


@pytest.fixture
def client():
    worker = WorkerClient(sys.executable, args=["-c", ECHO_WORKER])
    worker.start()
    yield worker
    worker.stop()


def test_events_reach_whoever_waits_for_their_id(client):
    assert client.wait_ready(10).kind == "ready"
    first_id, first = client.submit("animate", job={})
    answer = client.request("ping", timeout=10)
    assert answer.kind == "done" and answer.get("result") == {"echo": "ping"}
    kinds = [first.get(timeout=10).kind for _ in range(3)]
    assert kinds == ["frame", "frame", "done"]
    assert all(event.job_id == first_id for event in list(first.queue))


def test_a_dying_worker_is_reported_with_its_last_lines(client):
    client.wait_ready(10)
    _, route = client.submit("animate", job={})
    client.send(command("crash", "x"))
    events = [route.get(timeout=10) for _ in range(4)]
    exit_event = events[-1]
    assert exit_event.kind == EXIT and exit_event.get("returncode") == 3
    assert "Traceback: out of memory" in exit_event.get("log")
    assert any("not a protocol line" in line for line in client.stderr_tail())
    assert not client.alive
    with pytest.raises(UserError, match="not running"):
        client.send(command("ping", "y"))


def test_a_python_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="could not start the generator"):
        WorkerClient(tmp_path / "no-python").start()
