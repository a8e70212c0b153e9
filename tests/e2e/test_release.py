"""发布到 PyPI 之前的一切：与 .github/workflows/release.yml 运行同一个脚本（.ci/release），
再检查工作流本身：版本标签触发、只有上传的作业拿到 id-token、用 PyPI 的可信发布。上传本身在这里不能运行。"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml
from site_browser import ROOT

import nnlearn

RELEASE = ROOT / ".ci" / "release"
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
VERSION = nnlearn.__version__


def release(tag: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable}
    return subprocess.run([str(RELEASE), tag, str(outdir)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_version_lives_in_one_place() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and pyproject["project"]["dynamic"] == ["version"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nnlearn.__version__"}
    assert importlib.metadata.version("nnlearn") == VERSION
    assert re.search(rf"^## \[?{re.escape(VERSION)}\]?", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M), \
        f"CHANGELOG.md 里没有 {VERSION} 这一节"


def test_release_script_builds_and_checks(tmp_path: Path) -> None:
    done = release(f"v{VERSION}", tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"nnlearn-{VERSION}-py3-none-any.whl",
                                                          f"nnlearn-{VERSION}.tar.gz"]
    assert done.stdout.count("PASSED") == 2  # twine check --strict，两个文件
    with zipfile.ZipFile(tmp_path / f"nnlearn-{VERSION}-py3-none-any.whl") as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"nnlearn-{VERSION}.dist-info/METADATA").decode()
    assert "nnlearn/layers.py" in names and "nnlearn/check/__init__.py" in names
    assert f"Version: {VERSION}" in metadata and "Requires-Dist: numpy" in metadata
    with tarfile.open(tmp_path / f"nnlearn-{VERSION}.tar.gz") as sdist:
        assert f"nnlearn-{VERSION}/src/nnlearn/layers.py" in sdist.getnames()
    assert not (ROOT / "build").exists(), "构建在仓库里留下了 build/"


@pytest.mark.parametrize("tag", ["v9.9.9", VERSION])
def test_release_refuses_a_tag_that_is_not_the_version(tag: str, tmp_path: Path) -> None:
    done = release(tag, tmp_path / "dist")
    assert done.returncode != 0 and "拒绝发布" in done.stderr, done.stderr
    assert not (tmp_path / "dist").exists()


def test_release_workflow() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    trigger = workflow.get("on", workflow.get(True))  # YAML 1.1 把 on 读成 True
    assert trigger == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert "permissions" not in build  # 构建的作业拿不到 id-token
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    runs = [step.get("run", "") for step in build["steps"]]
    assert any(r.startswith(".ci/release ") and "$GITHUB_REF_NAME" in r for r in runs), runs
    assert any("-c requirements.lock" in r and "build" in r and "twine" in r for r in runs), runs
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert uses[-1] == "pypa/gh-action-pypi-publish@release/v1"
    assert not any("password" in step.get("with", {}) for step in publish["steps"]), "可信发布不用令牌"
