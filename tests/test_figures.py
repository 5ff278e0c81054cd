"""Every figure shown in README.md and docs/*.md is the one benchmarks recorded in docs/figures.json."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def figures(module_at):
    return module_at(ROOT / "benchmarks" / "figures.py", "figures")


def test_the_docs_show_the_recorded_figures(figures):
    assert figures.check_docs() == []
    assert figures.load(), "docs/figures.json holds no figures"


@pytest.fixture()
def project(tmp_path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("Speed: <!--fig:demo.speed-->10 frames/s<!--/fig-->.\n")
    (tmp_path / "docs" / "guide.md").write_text("| a | <!--fig:demo.speed-->10 frames/s<!--/fig--> |\n"
                                                "<!--fig:demo.table-->\n| x |\n<!--/fig-->\n")
    return tmp_path


def test_a_benchmark_records_its_figures_and_the_prose_follows(figures, project, capsys):
    figures.record({"demo.speed": "12 frames/s", "demo.table": "\n| y |\n"}, "python benchmarks/demo.py", project)
    table = figures.load(project)
    assert table["demo.speed"]["text"] == "12 frames/s"
    assert table["demo.speed"]["command"] == "python benchmarks/demo.py"
    assert (project / "README.md").read_text() == "Speed: <!--fig:demo.speed-->12 frames/s<!--/fig-->.\n"
    assert "| <!--fig:demo.speed-->12 frames/s<!--/fig--> |" in (project / "docs" / "guide.md").read_text()
    assert "<!--fig:demo.table-->\n| y |\n<!--/fig-->" in (project / "docs" / "guide.md").read_text()
    assert figures.check_docs(project) == []


def test_prose_edited_by_hand_or_citing_an_unknown_figure_is_caught(figures, project):
    figures.record({"demo.speed": "12 frames/s", "demo.table": "\n| y |\n"}, "python benchmarks/demo.py", project)
    guide = project / "docs" / "guide.md"
    guide.write_text(guide.read_text().replace("12 frames/s", "15 frames/s") + "<!--fig:demo.gone-->1 s<!--/fig-->\n")
    problems = figures.check_docs(project)
    assert len(problems) == 2
    assert "'demo.speed' says '15 frames/s'" in problems[0] and "python benchmarks/demo.py" in problems[0]
    assert "'demo.gone' is not in" in problems[1]
    assert figures.sync_docs(project) == [guide]
    assert len(figures.check_docs(project)) == 1  # the unknown one stays until a benchmark records it
