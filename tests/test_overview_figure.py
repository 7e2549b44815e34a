"""A single run's overview.png: the recognised-firms panel (symlog) shows no negative tick."""

from __future__ import annotations

from model.targets import scorecard


def test_recognised_firms_axis_has_no_negative_tick(tmp_path, monkeypatch, run):
    from experiments.sweeps import run_figure

    model, ts = run("as_enacted")
    card = scorecard(ts, model.params.targets.entries)
    summary = {"run": {"seed": 0, "policy_mix": "as_enacted", "scenario": "baseline", "scale": 0.05}}
    drawn = []
    close = run_figure.plt.close
    monkeypatch.setattr(run_figure.plt, "close", lambda fig: (drawn.append(fig), close(fig)))
    run_figure.overview(ts, card, summary, tmp_path / "overview.png")
    firms = next(ax for ax in drawn[0].axes if ax.get_title().startswith("Recognised firms"))
    low, high = firms.get_ylim()
    shown = [t for t in firms.get_yticks() if low <= t <= high]
    assert low >= 0 and shown and min(shown) >= 0, shown
