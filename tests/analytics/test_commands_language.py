"""The analysis commands speak the operator's language: the portraits' and the allocation's
summaries, the solver's line and the comparison table, the paper's headings and the
refusals of the file commands in Chinese; their English as it was. The paper's tables are
printed in the operator's language too, while the CSV and LaTeX files stay English (for programs
and papers). Data SYNTHETIC."""

from __future__ import annotations

import re

import pytest

from tests.analytics.test_commands import _city
from tests.commands import command_in, english_words, refusal_in


def test_a_missing_panel_file_is_refused_in_chinese(tmp_path):
    missing = tmp_path / "panel.csv"
    assert refusal_in("zh-hans", "import_panel", str(missing))[0] == f"没有这个文件：{missing}"
    assert refusal_in("en", "import_panel", str(missing))[0] == f"no such file: {missing}"


def test_an_unreadable_gmm_panel_is_refused_in_chinese(tmp_path):
    args = ("estimate_gmm", "--data", str(tmp_path), "--id", "i", "--time", "t", "--model", "y")
    message, _err = refusal_in("zh-hans", *args)
    assert message.startswith(f"无法读取 {tmp_path}：")
    assert refusal_in("en", *args)[0].startswith(f"cannot read {tmp_path}: ")


def test_a_malformed_city_budget_is_refused_in_chinese():
    args = ("recommend_allocation", "--budget", "4000", "--city-budget", "1500")
    assert (
        refusal_in("zh-hans", *args)[0]
        == "--city-budget '1500'：请写城市代码、“=”和以人民币计的金额"
    )
    assert refusal_in("en", *args)[0] == (
        "--city-budget '1500': write a city code, '=' and an amount in CNY"
    )


@pytest.mark.django_db
@pytest.mark.slow  # a real portraits run, in each language
def test_the_portraits_summary_is_chinese():
    _city()
    chinese, _err = command_in("zh-hans", "build_portraits")
    lines = chinese.splitlines()
    assert re.fullmatch(
        r"居民画像运行 #\d+：\d+ 名居民，\d+ 个群体（.+），用时 \d+\.\d 秒", lines[0]
    ), lines[0]
    assert lines[1:] and all(
        re.match(r"  群体 \d+：\d+ 名居民（\d+%）——", line) for line in lines[1:]
    )
    # The clustering's own names: the number of segments, the estimator, and the K of its
    # Chinese name (K 均值).
    assert not english_words(chinese, allowed={"k", "K", "MiniBatchKMeans"}), chinese
    english, _err = command_in("en", "build_portraits")
    assert re.match(r"Portraits run #\d+: \d+ residents, \d+ segments \(.+\), \d+\.\d s", english)
    assert re.search(r"^  segment \d+: \d+ residents \(\d+%\) - ", english, re.M)


SOLVER_ENDINGS = [
    (
        {"status": "optimal", "time_limit_reached": None},
        "求解器：整件单位，求解间隙 0.40%，在目标 1.00% 以内，用时 2.5 秒",
        "solver: whole units, gap 0.40% within the target 1.00%, 2.5 s",
    ),
    (
        {"status": "gap_open", "time_limit_reached": True},
        "求解器：在 60 秒的时限处停止，间隙尚未闭合（0.40%，目标 1.00%）：可能存在更好的整件方案",
        "solver: stopped at the time limit of 60 s with the gap still open (0.40%, target "
        "1.00%): a better whole-unit plan may exist",
    ),
    (
        {"status": "gap_open", "time_limit_reached": False},
        "求解器：在松弛解附近的搜索未能闭合间隙（如此规模的方案不做全面搜索），间隙尚未闭合"
        "（0.40%，目标 1.00%）：可能存在更好的整件方案",
        "solver: the search near the relaxation did not close the gap (plans this large are "
        "not searched in full) with the gap still open (0.40%, target 1.00%): a better "
        "whole-unit plan may exist",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("ending", "chinese_line", "english_line"), SOLVER_ENDINGS)
def test_the_allocation_summary_and_table_are_chinese(
    monkeypatch, ending, chinese_line, english_line
):
    from analytics.management.commands import recommend_allocation
    from tests.analytics import run_data

    run = run_data.allocation_run(_city())
    run.result["summary"]["solver_report"] = {
        "gap": 0.004,
        "gap_target": 0.01,
        "seconds": 2.5,
        "time_limit_seconds": 60.0,
        **ending,
    }
    run.save(update_fields=["result"])
    monkeypatch.setattr(recommend_allocation, "run_and_check", lambda *args, **kwargs: run)
    chinese, _err = command_in("zh-hans", "recommend_allocation", "--budget", "50000")
    lines = chinese.splitlines()
    assert re.fullmatch(
        rf"配置建议运行 #{run.pk}（\d{{4}}-\d\d-01），预算 50,000：3 行，用时 1\.4 秒", lines[0]
    ), lines[0]
    assert lines[1] == chinese_line
    assert lines[2].split() == ["指标", "整数单位方案", "按比例基准"]
    assert any(line.startswith("需求覆盖率 ") for line in lines[3:]), chinese
    # The run's note is stored as text (as an older release stored it), shown as written.
    [note] = run.result["notes"]
    assert lines[-1] == f"说明：{note}"
    assert not english_words(chinese, quoted=[note]), chinese
    english, _err = command_in("en", "recommend_allocation", "--budget", "50000")
    lines = english.splitlines()
    assert re.fullmatch(
        rf"Allocation run #{run.pk} for \S+, budget 50,000: 3 lines, 1\.4 s", lines[0]
    )
    assert lines[1] == english_line
    assert lines[2] == f"{'metric':<30}{'plan':>14}{'baseline':>14}"
    assert any(line.startswith(f"{'coverage':<30}") for line in lines[3:]), english
    assert lines[-1] == f"note: {note}"


@pytest.mark.django_db
@pytest.mark.slow  # a real equalization run
def test_the_papers_headings_are_chinese(tmp_path):
    chinese, _err = command_in("zh-hans", "reproduce_paper", "--out", str(tmp_path))
    lines = chinese.splitlines()
    assert lines[0].startswith("在 SYNTHETIC 合成面板上复现（") and "合成" in lines[0][20:]
    assert "表 1：七大区域之间公共服务的变异系数" in lines
    assert any(line.startswith("表 2（模型 1：发展水平（pubindicator）；因变量 ") for line in lines)
    assert any(line.startswith("SYNTHETIC 合成面板上的验证：") for line in lines)
    assert re.fullmatch(rf"已将 CSV 和 LaTeX 写入 {tmp_path}（用时 \d+\.\d 秒）", lines[-1])
    # The command's own lines and the tables themselves (their rows, headers and notes) have
    # no English; the CSV and LaTeX files, for programs and papers, are English.
    own = [line for line in lines if re.match(r"在 |表 \d|SYNTHETIC 合成面板上的验证|已将 ", line)]
    assert len(own) >= 5, own
    assert "变量\t东北\t华北\t西北\t西南\t华南\t华中\t华东\t全样本" in lines
    assert any(line.startswith("模型 1\t") for line in lines)
    # Names of the method and of the paper's variables, as the page gives them too.
    allowed = {"SYNTHETIC", "CSV", "LaTeX", "Sargan", "AR", "ADL", "t", "p", "pubindicator", "E"}
    allowed |= {"docs", "synthetic-panel", "md"}  # the synthetic panel's document
    assert not english_words("\n".join(own), allowed=allowed, quoted=[tmp_path]), own
    tables = [line for line in lines if line not in own]
    allowed_in_tables = {"GDP", "Difference-in-Hansen", "Hansen", "eq", "diff", "collapse"}
    allowed_in_tables |= {"GMM", "L1", "diggovment", "strindu", "rgdp", "L1.pubindicator"}
    assert not english_words(
        "\n".join(tables), allowed=allowed | allowed_in_tables, quoted=[tmp_path]
    ), tables
    assert (tmp_path / "table2_model1.csv").read_text().startswith("Variables,Northeast,")
    english, _err = command_in("en", "reproduce_paper", "--out", str(tmp_path))
    lines = english.splitlines()
    assert lines[0].startswith("Reproduction on the SYNTHETIC panel (SYNTHETIC panel generated ")
    assert "Table 1. Coefficients of variation of public services among the seven regions" in lines
    assert (
        "Table 2 (model1: dependent variable pubindicator). Coefficients, t-values in "
        "parentheses; *, **, *** at 10%, 5%, 1%; Sargan and AR(2) p-values"
    ) in lines
    assert (
        "Validation on the SYNTHETIC panel: the generator's ADL coefficients recovered by the "
        "pooled estimates (default specification), with 95% intervals"
    ) in lines
    assert re.fullmatch(rf"Wrote CSV and LaTeX to {tmp_path} \(\d+\.\d s\)", lines[-1])
