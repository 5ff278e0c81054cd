"""The packages install.py builds install, enable, register, disable and uninstall cleanly with
Blender's own operators, in a fresh Blender user folder (BLENDER_USER_RESOURCES)."""
import importlib.util
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
EXPECTED = ["THEADS_OT_animate", "THEADS_OT_cancel", "THEADS_OT_check_environment", "THEADS_OT_add_landmark_rig",
            "THEADS_OT_auto_bind", "THEADS_OT_render_all_shots", "THEADS_PT_sequencer_main", "THEADS_PT_view3d_main",
            "THEADS_PT_sequencer_driver", "THEADS_PT_view3d_output"]

CHECK_AND_REMOVE = textwrap.dedent(f"""
    import os, bpy, addon_utils
    expected = {EXPECTED!r}
    missing = [name for name in expected if not hasattr(bpy.types, name)]
    assert not missing, f"not registered: {{missing}}"
    assert bpy.context.preferences.addons[MODULE].preferences.batch_size == 8
    bpy.ops.preferences.addon_disable(module=MODULE)
    left = [name for name in expected if hasattr(bpy.types, name)]
    assert not left, f"still registered after disabling: {{left}}"
    REMOVE()
    assert not os.path.exists(FOLDER), f"{{FOLDER}} was not removed"
    print("CHECKED")
""")

EXTENSION = textwrap.dedent("""
    import os
    MODULE = "bl_ext.user_default.talking_heads_blender"
    FOLDER = os.path.join(bpy.utils.user_resource("EXTENSIONS"), "user_default", "talking_heads_blender")
    import json, pathlib
    origin = json.loads(pathlib.Path(FOLDER, "origin.json").read_text())
    assert origin["project"] == PROJECT, origin
    def REMOVE():
        index = [repo.module for repo in bpy.context.preferences.extensions.repos].index("user_default")
        bpy.ops.extensions.package_uninstall(repo_index=index, pkg_id="talking_heads_blender")
""")

LEGACY = textwrap.dedent("""
    import sys
    package = sys.argv[sys.argv.index("--") + 1]
    bpy.ops.preferences.addon_install(filepath=package)
    MODULE = "talking_heads_blender"
    bpy.ops.preferences.addon_enable(module=MODULE)
    FOLDER = os.path.join(bpy.utils.user_resource("SCRIPTS"), "addons", MODULE)
    def REMOVE():
        try:
            bpy.ops.preferences.addon_remove(module=MODULE)
        except RuntimeError as error:  # headless there is no area to redraw once the files are gone
            if "tag_redraw" not in str(error):
                raise
""")


@pytest.fixture(scope="module")
def install():
    spec = importlib.util.spec_from_file_location("install_script", PROJECT / "install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.VENV_BLENDER = Path(sys.prefix)  # these tests run in .venv-blender: its bpy has the extension tool
    return module


@pytest.fixture(scope="module")
def packages(install, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dist")
    return install.build_addon(None, dist=folder / "dist", build=folder / "build")


def run_blender(script: str, package: Path, user: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "BLENDER_USER_RESOURCES": str(user)}
    return subprocess.run([sys.executable, "-c", script, "--", str(package)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_packages_hold_the_addon_and_the_manifest(packages):
    extension, legacy = packages
    with zipfile.ZipFile(extension) as archive:
        names = archive.namelist()
    assert "blender_manifest.toml" in names and "__init__.py" in names and "batch.py" in names
    assert "origin.json" in names and not any("__pycache__" in name for name in names)
    with zipfile.ZipFile(legacy) as archive:
        assert "talking_heads_blender/__init__.py" in archive.namelist()


def test_the_extension_installs_registers_and_uninstalls(install, packages, tmp_path):
    script = (install.BLENDER_INSTALL_SCRIPT + f"\nPROJECT = {str(PROJECT)!r}\n" + EXTENSION + CHECK_AND_REMOVE)
    result = run_blender(script, packages[0], tmp_path / "user")
    assert result.returncode == 0 and "CHECKED" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]
    assert "enabled bl_ext.user_default.talking_heads_blender" in result.stdout


def test_the_legacy_zip_installs_registers_and_is_removed(packages, tmp_path):
    result = run_blender("import os, bpy\n" + LEGACY + CHECK_AND_REMOVE, packages[1], tmp_path / "user")
    assert result.returncode == 0 and "CHECKED" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]


def test_a_second_build_reuses_the_packages(install, packages, capsys):
    folder = packages[0].parent
    again = install.build_addon(None, dist=folder, build=folder.parent / "build")
    assert again == packages and "already up to date" in capsys.readouterr().out


def test_dev_setup_makes_the_blender_environment_once(install, tmp_path, monkeypatch):
    monkeypatch.setattr(install, "VENV_BLENDER", tmp_path / ".venv-blender")
    (tmp_path / ".venv-blender" / "bin").mkdir(parents=True)
    (tmp_path / ".venv-blender" / "bin" / "python").write_text("")
    calls = []
    monkeypatch.setattr(install, "run_pip", lambda python, args, what: calls.append(args))
    install.install_blender_env()
    install.install_blender_env()
    assert calls == [["--upgrade", "pip"], install.BLENDER_TEST_PACKAGES]
    assert "bpy==5.0.1" in install.BLENDER_TEST_PACKAGES and "pytest==9.2.0" in install.BLENDER_TEST_PACKAGES


def test_a_missing_blender_is_a_clear_error(install, tmp_path):
    with pytest.raises(install.InstallError, match="no Blender at"):
        install.install_into_blender(tmp_path / "blender", tmp_path / "addon.zip")


def test_install_into_blender_enables_the_addon_for_good(install, packages, tmp_path, monkeypatch):
    """`install.py --blender PATH`, with the bpy module standing in for the Blender binary."""
    blender = tmp_path / "blender"
    blender.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        # blender -b --python-exit-code 1 --python-expr EXPR -- ARGS, run by the bpy module
        while [ $# -gt 0 ]; do
            case "$1" in --python-expr) shift; expr="$1";; --) shift; break;; esac
            shift
        done
        exec {sys.executable} -c "$expr" -- "$@"
        """))
    blender.chmod(0o755)
    monkeypatch.setenv("BLENDER_USER_RESOURCES", str(tmp_path / "user"))
    install.install_into_blender(blender, packages[0])
    check = ("import bpy; bpy.ops.wm.read_userpref()\n"  # Blender loads them at start, the bpy module does not
             "print('ENABLED' if 'bl_ext.user_default.talking_heads_blender' in bpy.context.preferences.addons else 'NO')")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=120)
    assert "ENABLED" in result.stdout, result.stdout + result.stderr  # a new Blender session has it enabled
