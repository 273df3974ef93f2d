"""The README walkthroughs (English and Chinese) run as written against a real gateway and mock provider.

Blocks marked `<!-- walkthrough -->` are executed in order: shell blocks with bash (set -euo
pipefail), the Python block with this interpreter (which has the openai SDK). Only the two addresses
change: http://localhost:8080 becomes this test's gateway, 127.0.0.1:9000 this test's mock provider.
The gateway starts without GATEWAY_ADMIN_PASSWORD, so the first-start admin / admin123 applies.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from e2e_support import REPO_ROOT, Binaries, GatewayProcess, MockProvider

BLOCK = re.compile(r"<!-- walkthrough -->\n```(sh|python)\n(.*?)```", re.S)
ANSWER = "Hello from mock openai! You said: Good morning!"


def walkthrough(readme: Path) -> list[tuple[str, str]]:
    return BLOCK.findall(readme.read_text())


def test_both_readmes_have_the_same_walkthrough_code():
    def code_only(blocks):
        # Comments may be translated; the commands must be identical.
        return [[line for line in code.splitlines() if not line.lstrip().startswith("#")] for _, code in blocks]

    english = walkthrough(REPO_ROOT / "README.md")
    chinese = walkthrough(REPO_ROOT / "README.zh-CN.md")
    assert [lang for lang, _ in english] == ["sh", "sh", "sh", "python"]
    assert code_only(english) == code_only(chinese)


@pytest.mark.parametrize("readme", ["README.md", "README.zh-CN.md"])
def test_walkthrough_runs(readme: str, binaries: Binaries, mock: MockProvider, tmp_path: Path):
    for tool in ("bash", "curl", "python3"):
        assert shutil.which(tool), f"the walkthrough needs {tool}; install it (Debian: apt-get install -y {tool})"
    gateway = GatewayProcess(binaries.gateway, work_dir=tmp_path / "gateway", plugins_dir=binaries.plugins,
                             admin_password=None)
    gateway.start()
    try:
        def localize(code: str) -> str:
            return (code.replace("http://localhost:8080", gateway.url)
                        .replace("127.0.0.1:9000", f"127.0.0.1:{mock.port}"))

        script = ["set -euo pipefail"]
        for index, (language, code) in enumerate(walkthrough(REPO_ROOT / readme)):
            if language == "sh":
                script.append(localize(code))
            else:
                program = tmp_path / f"block{index}.py"
                program.write_text(localize(code))
                script.append(f'"{sys.executable}" "{program}"')
        result = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True, timeout=120,
                                cwd=tmp_path)
        output = result.stdout
        assert result.returncode == 0, (
            f"walkthrough of {readme} failed (status {result.returncode})\nstdout:\n{output}\nstderr:\n{result.stderr}\n"
            f"gateway stderr:\n{gateway.stderr_tail(60)}"
        )
        assert "gw-" in output, "step 5 printed the new key"
        assert output.count(ANSWER) >= 3, f"curl and the SDK (twice) got the mock's answer:\n{output}"
        assert "data: [DONE]" in output and '"usage"' in output, "the streamed answer with usage"
        prompt = "Translate everything the user writes into French."
        assert mock.requests_with(prompt), "the endpoint's system prompt reached the provider"
    finally:
        assert gateway.stop() == 0
