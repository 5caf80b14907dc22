"""The main job (`python -m swiftmoons`), the figures, and the notebook."""

import os
import subprocess
import sys

import pytest

from conftest import ROOT

matplotlib = pytest.importorskip("matplotlib", reason="the plot extra (make test installs it)")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from swiftmoons import article, plot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    return subprocess.run([sys.executable, "-m", "swiftmoons", *args], capture_output=True, text=True,
                          cwd=str(cwd), env=env, timeout=300)


def test_main_job_prints_the_table_and_writes_five_figures(tmp_path):
    result = run_cli("--out", "figs", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for line in ("sigmoid test accuracy ~79%", "relu final |z3| reaches 9-20", "relu hidden std 1.15 -> 1.67 (grows)"):
        assert line in out
    assert "79.0%" in out and "96.0%" in out          # the article's accuracies
    assert "0.259 -> 0.195" in out and "1.145 -> 1.673" in out
    # Each claim says whether this run agrees with it.
    assert "differs (both samples, to the article's last digit)" in out and "agrees" in out
    for name in plot.FIGURE_FILES:
        path = tmp_path / "figs" / name
        assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 20_000, name
    assert str((tmp_path / "figs").resolve()) in out


def test_main_job_options(tmp_path):
    result = run_cli("--epochs", "30", "--net-seed", "3", "--activations", "relu", "--no-plots", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    networks = result.stdout.split("\n\n")[1]  # the table of the networks run
    assert "30 epochs" in result.stdout and "relu" in networks and "sigmoid" not in networks
    assert not (tmp_path / "swiftmoons-out").exists()
    help_text = run_cli("--help", cwd=tmp_path)
    assert help_text.returncode == 0
    for option in ("--n-samples", "--noise", "--data-seed", "--split-seed", "--net-seed", "--epochs", "--lr",
                   "--batch-size", "--activations", "--out"):
        assert option in help_text.stdout
    bad = run_cli("--activations", "softsign", cwd=tmp_path)
    assert bad.returncode == 2 and "supported activations" in bad.stderr


@pytest.fixture(scope="module")
def short_run():
    result = article.run(epochs=40)
    yield result
    result.close()


def test_each_plot_draws_on_given_axes_or_its_own(short_run):
    r = short_run
    fig, axes = plt.subplots(2, 2)
    assert plot.dataset(r.X, r.y, ax=axes[0, 0]) is fig
    assert plot.loss_curves(r.loss_history, ax=axes[0, 1]) is fig
    assert plot.decision_boundary(r.nets["relu"], r.X_test, r.y_test, ax=axes[1, 0]) is fig
    assert "Test acc: " in axes[1, 0].get_title()
    plt.close(fig)
    figures = plot.article_figures(r)
    assert list(figures) == list(plot.FIGURE_FILES)
    assert len(figures["hidden_space.png"].axes) == 4
    assert len(figures["decision_boundaries.png"].axes) == 2
    legend = [t.get_text() for t in figures["loss_curves.png"].axes[0].get_legend().get_texts()]
    assert legend == ["Sigmoid", "ReLU"]
    for f in figures.values():
        plt.close(f)


def test_hidden_space_panel_reports_the_layer_std(short_run):
    fig = plot.hidden_space(short_run.nets, short_run.X_test, short_run.y_test)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    expected = f"std: {short_run.nets['relu'].get_hidden(short_run.X_test, 2).std():.4f}"
    assert expected in texts
    plt.close(fig)


def test_notebook_runs_headless(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "examples" / "article.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5
