"""The report's plots, labelled in the report's languages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from landseg.reporting.blocks import Figure
from landseg.reporting.formatting import metric_label, pct, phase_label
from landseg.reporting.run_view import RunView, class_metrics, entry_value, loss_names
from landseg.reporting.texts import Bi, text
from landseg.reporting.thresholds import KINDS, METRICS, ReportThresholds

if TYPE_CHECKING:
    from landseg.reporting.plots import Panel


class Figures:
    """Builds the report's plots with labels in the report's languages."""

    def __init__(self, languages: Sequence[str]) -> None:
        self.languages = list(languages)

    def label(self, key: str, **values: Any) -> str:
        """The text ``key`` in every report language, on one line."""
        return self.say(text(key, **values))

    def say(self, phrase: Bi) -> str:
        """A phrase in every report language, on one line."""
        return " / ".join(dict.fromkeys(phrase[lang] for lang in self.languages))

    def _boundaries(self, run: RunView) -> list[tuple[float, str]]:
        lines = []
        for phase in run.present_phases[1:]:
            first = run.phase_epochs(phase["name"])[0]["epoch"]
            lines.append((first - 0.5, self.say(phase_label(phase["name"]))))
        return lines

    def metrics(self, run: RunView, thresholds: ReportThresholds) -> Figure:
        """mAP and precision/recall per epoch, with phase boundaries and mAP50 milestones."""
        from landseg.reporting.plots import line_figure

        levels = sorted({v for k, v in thresholds.milestones if k == "mask.map50"})
        panels = [
            self._metric_panel(
                run,
                "plot_map_title",
                ("map50", "map50_95"),
                hlines=[(v, pct(v, 0)) for v in levels],
            ),
            self._metric_panel(run, "plot_pr_title", ("precision", "recall")),
        ]
        png = line_figure(panels)
        return Figure("metrics", png, text("fig_metrics"))

    def _metric_panel(
        self, run: RunView, title: str, metrics: Sequence[str], **options: Any
    ) -> Panel:
        """A line panel of ``metrics`` of both kinds per epoch."""
        from landseg.reporting.plots import Panel

        return Panel(
            title=self.label(title),
            xlabel=self.label("col_epoch"),
            x=[e["epoch"] for e in run.epochs],
            series={
                self.say(metric_label(k, m)): [entry_value(e, f"{k}.{m}") for e in run.epochs]
                for k in KINDS
                for m in metrics
            },
            percent=True,
            vlines=self._boundaries(run),
            **options,
        )

    def losses(self, run: RunView) -> Figure:
        """Training and validation loss components per epoch."""
        from landseg.reporting.plots import Panel, line_figure

        x = [e["epoch"] for e in run.epochs]
        boundaries = self._boundaries(run)
        panels = [
            Panel(
                title=self.label(title),
                xlabel=self.label("col_epoch"),
                ylabel=self.label("plot_loss"),
                x=x,
                series={
                    self.say(text(f"loss_{n}")): [entry_value(e, f"{part}.{n}") for e in run.epochs]
                    for n in loss_names(run)
                },
                vlines=boundaries,
            )
            for part, title in (
                ("train_loss", "plot_train_loss_title"),
                ("val_loss", "plot_val_loss_title"),
            )
        ]
        return Figure("losses", line_figure(panels), text("fig_losses"))

    def classes(self, run: RunView) -> Figure:
        """The final per-class metrics of both kinds."""
        from landseg.reporting.plots import Panel, bar_figure

        names = run.class_names
        panels = [
            Panel(
                title=self.say(text(f"kind_{kind}")),
                categories=names,
                series={
                    self.say(text(f"metric_{m}")): [
                        entry_value(class_metrics(run.final, n), f"{kind}.{m}") for n in names
                    ]
                    for m in METRICS
                },
                percent=True,
            )
            for kind in KINDS
        ]
        return Figure(
            "classes",
            bar_figure(panels, title=self.label("plot_classes_title")),
            text("fig_classes"),
        )

    def distribution(self, run: RunView) -> Figure:
        """Instances per class (per split where recorded) and the class weights."""
        from landseg.reporting.plots import Panel, bar_figure

        names = run.class_names
        stats = run.dataset
        series: dict[str, list[float | None]] = {}
        for key, label in (
            ("train_instances", "plot_train_split"),
            ("val_instances", "plot_val_split"),
        ):
            if isinstance(stats.get(key), dict):
                series[self.label(label)] = [stats[key].get(n) for n in names]
        if not series:
            series[self.label("col_instances")] = [stats["instances"].get(n) for n in names]
        panels = [Panel(title=self.label("col_instances"), categories=names, series=series)]
        weights = run.record.get("class_weights")
        if weights:
            panels.append(
                Panel(
                    title=self.label("col_class_weight"),
                    categories=names,
                    series={self.label("col_class_weight"): [weights.get(n) for n in names]},
                    hlines=[(1.0, "1.0")],
                )
            )
        return Figure(
            "distribution",
            bar_figure(panels, title=self.label("plot_distribution")),
            text("fig_distribution"),
        )

    def features(self, analysis: dict[str, Any]) -> Figure:
        """Feature-map statistics of the spatial layers."""
        from landseg.reporting.plots import Panel, bar_figure

        # spatial maps only: the head's per-anchor outputs have other scales and meanings
        rows = [r for r in analysis["features"] if len(r["shape"]) == 3]
        names = [r["name"] for r in rows]
        panels = [
            Panel(
                title=self.label("col_mean"),
                categories=names,
                series={self.label("col_mean"): [r["mean"] for r in rows]},
            ),
            Panel(
                title=self.label("col_std"),
                categories=names,
                series={self.label("col_std"): [r["std"] for r in rows]},
                log=True,
            ),
            Panel(
                title=self.label("col_near_zero"),
                categories=names,
                series={
                    self.label("col_sparsity"): [r["sparsity"] for r in rows],
                    self.label("col_near_zero"): [r["near_zero"] for r in rows],
                },
                percent=True,
            ),
            Panel(
                title=self.label("col_dynamic_range"),
                categories=names,
                series={self.label("col_dynamic_range"): [r["dynamic_range"] for r in rows]},
                log=True,
            ),
        ]
        return Figure(
            "features",
            bar_figure(panels, title=self.label("plot_features_title")),
            text("fig_features"),
        )

    def gradients(self, analysis: dict[str, Any]) -> Figure:
        """Gradient and parameter norms per layer, with the flag thresholds."""
        from landseg.reporting.plots import Panel, bar_figure

        rows = analysis["gradients"]["layers"]
        names = [f"{r['role']}.{r['layer']} {r['module']}" for r in rows]
        limits = analysis["thresholds"]
        panels = [
            Panel(
                title=self.label("col_grad_norm"),
                categories=names,
                series={
                    self.label("col_grad_norm"): [r["grad_norm"] for r in rows],
                    self.label("col_param_norm"): [r["param_norm"] for r in rows],
                },
                log=True,
                hlines=[
                    (limits["exploding"], self.label("flag_exploding")),
                    (limits["vanishing"], self.label("flag_vanishing")),
                ],
            ),
            Panel(
                title=self.label("col_ratio"),
                categories=names,
                series={self.label("col_ratio"): [r["ratio"] for r in rows]},
                log=True,
                hlines=[(limits["dead_ratio"], self.label("flag_dead"))],
            ),
        ]
        return Figure(
            "gradients",
            bar_figure(panels, columns=1, title=self.label("plot_gradients_title")),
            text("fig_gradients"),
        )
