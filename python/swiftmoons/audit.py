"""`swiftmoons.audit`: the article's claims, each measured and given a verdict.

:func:`audit` (also ``swiftmoons.article.audit`` and ``python -m swiftmoons
audit``) trains the article's 2-8-8-1 networks at the article's settings,
over many initialization seeds and under controls a careful reader would try
(tanh, bounded like sigmoid; sigmoid at a larger learning rate, for longer,
with He initialization; another data seed), measures every quantitative claim
of the article (seed 000, restated in 003) and the geometric explanation it
gives (with :mod:`swiftmoons.geometry`), and decides each claim by stated
thresholds:

- **holds**: true in the article's run, in at least :data:`MAJORITY` of the
  seeds, and in at least that share of the seeds under every control that
  applies to it;
- **holds only at these settings**: true in the article's run but not over
  seeds or under some control (the verdict names which);
- **does not hold**: false in the article's run itself;
- **not measured**: its measure is undefined in the article's run (the
  log-odds of data made without noise, say).

Numbers about this particular run (a loss, an accuracy, a trace value) are
checked over seeds and against another data seed; claims that explain why
sigmoid stalls are also checked with the sigmoid network replaced by each
control. Nothing in a verdict is written by hand.

>>> from swiftmoons import audit
>>> result = audit.audit(seeds=2, controls=False)
>>> result.verdicts()["sigmoid compresses |a1| to ~0.3"]
'does not hold'
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from . import geometry
from ._convert import as_flag, as_int
from .diagnostics import spearman
from .data import make_moons, standardize, train_test_split
from .network import MLP
from .parallel import get_threads, threads as thread_count
from .random import RandomState, seed_value
from .training import progress_bar, train_together

#: The article's settings (seed 000): data, split, network seed and training.
ARTICLE: dict[str, Any] = dict(n_samples=400, noise=0.18, data_seed=42, split_seed=42, net_seed=42, epochs=800, lr=0.05,
               batch_size=64, init="auto")
#: The networks the audit trains for every seed: an activation and what
#: differs from the article's settings. "sigmoid" and "relu" are the
#: article's; the others are the controls.
CONDITIONS: dict[str, dict[str, Any]] = {
    "sigmoid": {"activation": "sigmoid"},
    "relu": {"activation": "relu"},
    "tanh": {"activation": "tanh"},
    "sigmoid, lr 0.5": {"activation": "sigmoid", "lr": 0.5},
    "sigmoid, 5000 epochs": {"activation": "sigmoid", "epochs": 5000},
    "sigmoid, He init": {"activation": "sigmoid", "init": "he"},
    "sigmoid, data seed 7": {"activation": "sigmoid", "data_seed": 7},
    "relu, data seed 7": {"activation": "relu", "data_seed": 7},
}
#: The controls that stand in for the article's sigmoid network when a claim
#: about why sigmoid stalls is re-checked.
SIGMOID_CONTROLS = ("tanh", "sigmoid, lr 0.5", "sigmoid, 5000 epochs", "sigmoid, He init")
#: The control that re-checks a claim on other data (both networks replaced).
DATA_CONTROL = ("sigmoid, data seed 7", "relu, data seed 7")

#: A claim holds over seeds (or under a control) when it is true in at least this share of them.
MAJORITY = 0.8
#: "~x" in the article agrees with a measured value within this many units of
#: the last digit the article gives (~0.28: within 0.01; ~2.0: within 0.1; ~79%: within 1 point).
UNITS = 1
#: "Almost no progress": the loss falls by less than this share from epoch 400 to the end.
PLATEAU = 0.05
#: "Clearly better" accuracy: by at least this much.
CLEAR_GAP = 0.05
#: A layer "loses" a measure when it falls by more than this from the layer below.
DROP = 0.05
#: A boundary is "nearly linear" when a straight line reproduces at least this share of the network's decisions.
NEARLY_LINEAR = 0.95
#: Grid points per axis for the boundary distances of the audit (a step of
#: ~0.03 on the standardized moons: the contour's error is ~1e-3).
AUDIT_GRID = 256
#: Pairs ranked for the distance-order measure (an estimate, standard error ~0.01).
AUDIT_PAIRS = 20_000


def _in_band(value: float, lo: str, hi: str) -> bool:
    """Does ``value``, rounded to the band's last digit, lie in the article's band ``lo``-``hi``?"""
    decimals = max(len(lo.partition(".")[2]), len(hi.partition(".")[2]))
    return float(lo) <= round(value, decimals) <= float(hi)


def _near(value: float, stated: str) -> bool:
    """Does ``value`` agree with the article's figure ``stated`` ("0.28", "79%") to its last digit?"""
    percent = stated.endswith("%")
    digits = stated.rstrip("%")
    decimals = len(digits.partition(".")[2])
    scale = 100.0 if percent else 1.0
    return abs(value * scale - float(digits)) <= UNITS * 10.0 ** -decimals + 1e-12


# ---- measuring one network ---------------------------------------------------------

@dataclass
class _Data:
    X: np.ndarray
    y: np.ndarray
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    bayes: np.ndarray | None  # None without noise (no log-odds to speak of)


def _data(settings: dict) -> _Data:
    X_raw, y = make_moons(settings["n_samples"], noise=settings["noise"], random_state=settings["data_seed"])
    X = standardize(X_raw)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=settings["split_seed"])
    bayes = (geometry.bayes_log_odds(X_raw, settings["noise"], n_samples=settings["n_samples"])
             if settings["noise"] > 0 else None)
    return _Data(X, y, X_train, X_test, y_train, y_test, bayes)


def _measure(net: MLP, data: _Data, epochs: int) -> dict[str, Any]:
    """Everything a claim reads about one trained network."""
    from .article import summarize
    summary = summarize({"net": net}, data.X_train, data.y_train, data.X_test, data.y_test)
    loss = np.array(net.loss_history)
    own = geometry.boundary_distance(net, data.X, points=AUDIT_GRID)
    nan = np.full(net.n_layers, math.nan)
    carried_own = (geometry.distance_carried(net, data.X, own) if np.isfinite(own).all()
                   else {"r2": nan, "rho": nan})
    carried_bayes = (geometry.distance_carried(net, data.X, data.bayes) if data.bayes is not None
                     else {"r2": nan, "rho": nan})
    logits = geometry.pre_activations(net, data.X)[-1][:, 0]
    decisions = (logits >= 0).astype(float)
    if 0 < decisions.sum() < decisions.size:
        w, b = geometry.logistic_fit(data.X, decisions, C=1e4)
        linear = float(np.mean((data.X @ w + b >= 0) == (decisions == 1)))
    else:
        linear = 1.0
    spectrum = geometry.jacobian_spectrum(net, data.X)
    dead = geometry.dead_units(net, data.X)
    return {
        "epochs": epochs,
        "loss": loss,
        "test_accuracy": summary["test_accuracy"]["net"],
        "trace": summary["traces"]["net"],
        "hidden_std": np.array(summary["hidden_std"]["net"]),
        "probe": geometry.probe_accuracy(net, data.X, data.y),
        "r2_own": carried_own["r2"], "rho_own": carried_own["rho"],
        "r2_bayes": carried_bayes["r2"], "rho_bayes": carried_bayes["rho"],
        "logit_tracks_distance": (spearman(np.abs(logits), np.abs(own))
                                  if np.isfinite(own).all() else math.nan),
        "saturation": geometry.saturation(net, data.X),
        "dead": np.array([0] + [int(d.sum()) for d in dead["never_nonzero"]]),
        "log10_stretch": spectrum["log10_largest"],
        "cka_to_input": geometry.cka_profile(net, data.X)["to_input"],
        "distance_order": geometry.distance_order_kept(net, data.X, max_pairs=AUDIT_PAIRS),
        "linear_boundary": linear,
    }


def _settings(change: dict) -> dict:
    return {**ARTICLE, **change}


def _data_key(settings: dict) -> tuple:
    return tuple(settings[k] for k in ("n_samples", "noise", "data_seed", "split_seed"))


class _Stopped(Exception):
    """A seed's work abandoned because the audit is stopping."""


def _run_seed(seed: int, conditions: dict[str, dict], datasets: dict,
              stop: threading.Event | None = None) -> dict[str, dict]:
    """Train and measure every condition for one network seed.

    Networks that share learning rate, epochs and data are trained together:
    each starts from a fresh stream of ``seed`` (the article's constructor)
    and all draw the same number of weights, so the shared permutations are
    those each would see alone, and every network is the one
    ``article.run(net_seed=seed, ...)`` trains with its settings.
    """
    groups: dict[tuple, list] = {}
    for name, change in conditions.items():
        settings = _settings(change)
        key = _data_key(settings) + (settings["lr"], settings["epochs"], settings["batch_size"])
        groups.setdefault(key, []).append((name, settings))
    out = {}
    for members in groups.values():
        if stop is not None and stop.is_set():
            raise _Stopped
        settings = members[0][1]
        data = datasets[_data_key(settings)]
        nets = []
        for _, s in members:
            stream = RandomState(seed)
            nets.append(MLP((2, 8, 8, 1), activation=s["activation"], init=s["init"], seed=stream))
        try:
            train_together(nets, data.X_train, data.y_train, epochs=settings["epochs"], lr=settings["lr"],
                           batch_size=settings["batch_size"], rng=stream)
            for (name, s), net in zip(members, nets):
                if stop is not None and stop.is_set():
                    raise _Stopped
                out[name] = _measure(net, data, s["epochs"])
        finally:
            for net in nets:
                net.close()
    return out


# ---- the claims ----------------------------------------------------------------

Bundle = dict  # condition name -> measurements, for one seed


@dataclass(frozen=True)
class Claim:
    """One claim: what the article says, how to measure it, and when it holds.

    Parameters
    ----------
    text : str
        The claim, in a few words.
    source : str
        The seed articles that make it ("000", "003").
    article : str
        The article's figure ("~0.28", "9-20") or wording.
    value : callable
        Bundle -> float: the number shown for a run and summarized over seeds.
    show : callable
        Bundle -> str: the detail shown for the article's run.
    holds : callable
        Bundle -> bool: the test.
    scope : {"run", "mechanism", "fixed"}
        "run": a number of this run, re-checked on other data; "mechanism":
        an explanation, also re-checked with the sigmoid network replaced by
        each control; "fixed": a claim about the controls themselves (seeds only).
    rule : str
        The test in words, for the table.
    needs : tuple of str
        The conditions the claim reads; it is left out of an audit without them.
    epoch : int
        The epoch the article states it for.
    final : bool
        True: a claim about the trained network (the article trains 800
        epochs); a single run's table shows it only for a run of exactly
        ``epoch`` epochs. False: a claim about the loss at ``epoch``, shown
        for runs at least that long.

    A bundle maps condition names to the measurements of one seed's networks;
    "sigmoid" and "relu" are the networks the claim is about.

    Examples
    --------
    >>> claim = Claim("relu beats sigmoid", "000", "96% vs 79%", value=lambda b: 0.0, show=lambda b: "",
    ...               holds=lambda b: b["relu"]["test_accuracy"] > b["sigmoid"]["test_accuracy"])
    >>> claim.holds({"sigmoid": {"test_accuracy": 0.79}, "relu": {"test_accuracy": 0.96}})
    True
    """

    text: str
    source: str
    article: str
    value: Callable[[Bundle], float]
    show: Callable[[Bundle], str]
    holds: Callable[[Bundle], bool]
    scope: str = "run"
    rule: str = ""
    needs: tuple = ("sigmoid", "relu")
    epoch: int = 800
    final: bool = True


def _loss_at(m: dict, epoch: int) -> float:
    return float(m["loss"][epoch - 1]) if len(m["loss"]) >= epoch else math.nan


def _fmt(values: Iterable[float], digits: int = 3) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def _claims() -> list[Claim]:
    s, r = "sigmoid", "relu"
    trace = lambda b, name, col: b[name]["trace"][:, col]  # noqa: E731  (class-0 and class-1 far samples)
    claims = [
        Claim("sigmoid loss ~0.28 by epoch 400", "000, 003", "~0.28",
              lambda b: _loss_at(b[s], 400), lambda b: f"{_loss_at(b[s], 400):.4f}",
              lambda b: _near(_loss_at(b[s], 400), "0.28"), rule="to the article's last digit",
              needs=("sigmoid",), epoch=400, final=False),
        Claim("sigmoid: almost no progress after epoch 400", "000, 003", "plateau",
              lambda b: 1 - b[s]["loss"][-1] / _loss_at(b[s], 400),
              lambda b: f"falls {1 - b[s]['loss'][-1] / _loss_at(b[s], 400):.1%} more",
              lambda b: 1 - b[s]["loss"][-1] / _loss_at(b[s], 400) < PLATEAU,
              rule=f"loss falls < {PLATEAU:.0%} after epoch 400", needs=("sigmoid",)),
        Claim("relu loss ~0.15 early (epoch 200)", "000, 003", "~0.15",
              lambda b: _loss_at(b[r], 200), lambda b: f"{_loss_at(b[r], 200):.4f}",
              lambda b: _near(_loss_at(b[r], 200), "0.15"), rule="to the article's last digit",
              needs=("relu",), epoch=200, final=False),
        Claim("relu loss ~0.03 by epoch 800", "000, 003", "~0.03",
              lambda b: _loss_at(b[r], 800), lambda b: f"{_loss_at(b[r], 800):.4f}",
              lambda b: _near(_loss_at(b[r], 800), "0.03"), rule="to the article's last digit",
              needs=("relu",), epoch=800, final=False),
        Claim("sigmoid test accuracy ~79%", "000", "~79%",
              lambda b: b[s]["test_accuracy"], lambda b: f"{b[s]['test_accuracy']:.1%}",
              lambda b: _near(b[s]["test_accuracy"], "79%"), rule="to the article's last digit", needs=("sigmoid",)),
        Claim("relu test accuracy ~96%", "000", "~96%",
              lambda b: b[r]["test_accuracy"], lambda b: f"{b[r]['test_accuracy']:.1%}",
              lambda b: _near(b[r]["test_accuracy"], "96%"), rule="to the article's last digit", needs=("relu",)),
        Claim("sigmoid learns a nearly linear boundary", "000", "nearly linear",
              lambda b: b[s]["linear_boundary"], lambda b: f"a line agrees on {b[s]['linear_boundary']:.1%}",
              lambda b: b[s]["linear_boundary"] >= NEARLY_LINEAR,
              rule=f"a straight line reproduces >= {NEARLY_LINEAR:.0%} of its decisions", needs=("sigmoid",)),
        Claim("first-layer |z1| ~2.0 in both networks", "000", "~2.0",
              lambda b: float(np.mean(np.r_[trace(b, s, 0), trace(b, r, 0)])),
              lambda b: f"sigmoid {_fmt(trace(b, s, 0), 2)}; relu {_fmt(trace(b, r, 0), 2)}",
              lambda b: all(_near(v, "2.0") for v in np.r_[trace(b, s, 0), trace(b, r, 0)]),
              rule="all four, to the article's last digit"),
        Claim("sigmoid compresses |a1| to ~0.3", "000", "~0.3",
              lambda b: float(np.mean(trace(b, s, 1))), lambda b: _fmt(trace(b, s, 1)),
              lambda b: all(_near(v, "0.3") for v in trace(b, s, 1)), rule="both samples, to the article's last digit",
              needs=("sigmoid",)),
        Claim("relu retains a higher |a1| than sigmoid", "000", "relu > sigmoid",
              lambda b: float(np.min(trace(b, r, 1) - trace(b, s, 1))),
              lambda b: f"relu {_fmt(trace(b, r, 1))} vs {_fmt(trace(b, s, 1))}",
              lambda b: bool(np.all(trace(b, r, 1) > trace(b, s, 1))), rule="for both samples"),
        Claim("sigmoid deeper |z2|, |a2| in 0.5-0.6", "000", "0.5-0.6",
              lambda b: float(np.mean([_in_band(v, "0.5", "0.6") for v in b[s]["trace"][:, 2:4].ravel()])),
              lambda b: "; ".join(_fmt(row) for row in b[s]["trace"][:, 2:4]),
              lambda b: all(_in_band(v, "0.5", "0.6") for v in b[s]["trace"][:, 2:4].ravel()),
              rule="all four, rounded as the article rounds, in the band; value: the share that are", needs=("sigmoid",)),
        Claim("relu final |z3| reaches 9-20", "000", "9-20",
              lambda b: float(np.max(trace(b, r, 4))), lambda b: _fmt(trace(b, r, 4), 2),
              lambda b: _in_band(float(np.max(trace(b, r, 4))), "9", "20"),
              rule="the larger of the two, rounded as the article rounds, in the band",
              needs=("relu",)),
        Claim("sigmoid hidden std 0.26 -> 0.19 (shrinks)", "000", "0.26 -> 0.19",
              lambda b: float(b[s]["hidden_std"][1] - b[s]["hidden_std"][0]),
              lambda b: " -> ".join(f"{v:.3f}" for v in b[s]["hidden_std"]),
              lambda b: _near(b[s]["hidden_std"][0], "0.26") and _near(b[s]["hidden_std"][1], "0.19"),
              rule="both layers, to the article's last digit; value: the change", needs=("sigmoid",)),
        Claim("relu hidden std 1.15 -> 1.67 (grows)", "000", "1.15 -> 1.67",
              lambda b: float(b[r]["hidden_std"][1] - b[r]["hidden_std"][0]),
              lambda b: " -> ".join(f"{v:.3f}" for v in b[r]["hidden_std"]),
              lambda b: _near(b[r]["hidden_std"][0], "1.15") and _near(b[r]["hidden_std"][1], "1.67"),
              rule="both layers, to the article's last digit; value: the change", needs=("relu",)),
        # ---- the explanation ----
        Claim("relu clearly beats sigmoid", "000, 003", "96% vs 79%",
              lambda b: b[r]["test_accuracy"] - b[s]["test_accuracy"],
              lambda b: f"by {b[r]['test_accuracy'] - b[s]['test_accuracy']:+.1%}",
              lambda b: b[r]["test_accuracy"] - b[s]["test_accuracy"] >= CLEAR_GAP, scope="mechanism",
              rule=f"accuracy gap >= {CLEAR_GAP:.0%}"),
        Claim("sigmoid layers lose the distance to the boundary", "000, 001", "destroys it",
              lambda b: b[s]["r2_own"][2] - b[s]["r2_own"][1],
              lambda b: "R2 by layer " + _fmt(b[s]["r2_own"], 2),
              lambda b: b[s]["r2_own"][2] < b[s]["r2_own"][1] - DROP, scope="mechanism",
              rule=f"R2 of its own signed boundary distance falls > {DROP} from layer 1 to 2", needs=("sigmoid",)),
        Claim("sigmoid layers lose the Bayes log-odds", "000, 001", "destroys it",
              lambda b: b[s]["r2_bayes"][2] - b[s]["r2_bayes"][1],
              lambda b: "R2 by layer " + _fmt(b[s]["r2_bayes"], 2),
              lambda b: b[s]["r2_bayes"][2] < b[s]["r2_bayes"][1] - DROP, scope="mechanism",
              rule=f"R2 of make_moons' log-odds falls > {DROP} from layer 1 to 2", needs=("sigmoid",)),
        Claim("relu layers keep the distance to the boundary", "000, 001", "preserves it",
              lambda b: b[r]["r2_own"][2] - b[r]["r2_own"][1],
              lambda b: "R2 by layer " + _fmt(b[r]["r2_own"], 2),
              lambda b: b[r]["r2_own"][2] >= b[r]["r2_own"][1] - DROP, scope="run",
              rule=f"R2 falls by <= {DROP} from layer 1 to 2", needs=("relu",)),
        Claim("relu's last layer carries more of it than sigmoid's", "000", "relu > sigmoid",
              lambda b: b[r]["r2_bayes"][2] - b[s]["r2_bayes"][2],
              lambda b: f"Bayes R2 {b[r]['r2_bayes'][2]:.2f} vs {b[s]['r2_bayes'][2]:.2f}",
              lambda b: b[r]["r2_bayes"][2] > b[s]["r2_bayes"][2] + DROP, scope="mechanism",
              rule=f"layer-2 R2 of the log-odds higher by > {DROP}"),
        Claim("relu's output decides from a truer distance", "000", "strong vs weak signal",
              lambda b: b[r]["logit_tracks_distance"] - b[s]["logit_tracks_distance"],
              lambda b: f"rank corr. |z3| ~ distance {b[r]['logit_tracks_distance']:.2f} vs "
                        f"{b[s]['logit_tracks_distance']:.2f}",
              lambda b: b[r]["logit_tracks_distance"] > b[s]["logit_tracks_distance"], scope="mechanism",
              rule="Spearman(|logit|, |own distance|) higher for relu"),
        Claim("no hyper-parameter rescues sigmoid", "003 (asked)", "open question",
              lambda b: max(b[c]["test_accuracy"] for c in ("sigmoid, lr 0.5", "sigmoid, 5000 epochs")
                            if c in b) - b[r]["test_accuracy"],
              lambda b: "; ".join(f"{c.removeprefix('sigmoid, ')} -> {b[c]['test_accuracy']:.1%}"
                                  for c in ("sigmoid, lr 0.5", "sigmoid, 5000 epochs") if c in b),
              lambda b: all(b[c]["test_accuracy"] < b[r]["test_accuracy"] - CLEAR_GAP
                            for c in ("sigmoid, lr 0.5", "sigmoid, 5000 epochs") if c in b),
              scope="fixed", rule=f"every rescue stays {CLEAR_GAP:.0%} below relu; value: best rescue - relu",
              needs=("relu", "sigmoid, lr 0.5", "sigmoid, 5000 epochs")),
    ]
    return claims


CLAIMS = _claims()


def _controls_of(claim: Claim, conditions: Iterable[str]) -> list[tuple[str, dict]]:
    """The substitutions that re-check a claim: (label, {role: condition})."""
    present = set(conditions)
    out = []
    if claim.scope in ("run", "mechanism") and set(DATA_CONTROL) <= present:
        out.append(("data seed 7", {"sigmoid": DATA_CONTROL[0], "relu": DATA_CONTROL[1]}))
    if claim.scope == "mechanism":
        out += [(c, {"sigmoid": c}) for c in SIGMOID_CONTROLS if c in present]
    return out


def _substitute(bundle: Bundle, roles: dict) -> Bundle:
    return {**bundle, **{role: bundle[name] for role, name in roles.items()}}


def _safe(fn, bundle) -> Any:
    try:
        return fn(bundle)
    except (KeyError, IndexError):
        return math.nan


# ---- the audit -----------------------------------------------------------------

@dataclass
class AuditResult:
    """What :func:`audit` measured and decided.

    Parameters
    ----------
    seeds : list of int
        The initialization seeds beyond the article's (whose run is ``runs[0]``).
    conditions : dict
        Condition name -> what differs from the article's settings.
    runs : list of dict
        Per seed (the article's first), condition name -> measurements
        (``loss``, ``test_accuracy``, ``trace``, ``hidden_std`` as in
        :func:`swiftmoons.article.run`, and the per-layer geometry: ``probe``,
        ``r2_own``, ``rho_own``, ``r2_bayes``, ``rho_bayes``, ``saturation``,
        ``dead``, ``log10_stretch``, ``cka_to_input``, ``distance_order``; and
        ``linear_boundary``, ``logit_tracks_distance``).
    rows : list of dict
        Per claim: ``claim``, ``source``, ``article``, ``ours`` (the article's
        run), ``value``, ``seeds`` (the value's mean, 2.5% and 97.5%
        quantiles over seeds), ``share`` (of seeds where it holds),
        ``controls`` (label -> share), ``verdict``, ``why``, ``rule``.
    seconds : float
        Wall time of the audit.

    Examples
    --------
    >>> result = audit(seeds=2, controls=False)
    >>> len(result.runs), sorted(result.conditions)
    (3, ['relu', 'sigmoid'])
    """

    seeds: list
    conditions: dict
    runs: list
    rows: list
    seconds: float = field(default=0.0)

    def verdicts(self) -> dict[str, str]:
        """Claim -> verdict.

        Returns
        -------
        dict of str to str

        Examples
        --------
        >>> sorted(set(audit(seeds=1, controls=False).verdicts().values()))
        ['does not hold', 'holds', 'holds only at these settings']
        """
        return {row["claim"]: row["verdict"] for row in self.rows}

    def measure(self, condition: str, key: str) -> np.ndarray:
        """One measurement of one condition over all seeds (the article's run first).

        Parameters
        ----------
        condition : str
            A key of ``conditions``.
        key : str
            A measurement, e.g. ``"test_accuracy"`` or ``"r2_bayes"`` (per layer).

        Returns
        -------
        ndarray of shape (1 + len(seeds),) or (1 + len(seeds), layers)

        Examples
        --------
        >>> result = audit(seeds=2, controls=False)
        >>> result.measure("relu", "probe").shape
        (3, 3)
        """
        if condition not in self.conditions:
            raise KeyError(f"No condition {condition!r}; the audit ran {list(self.conditions)}")
        return np.array([run[condition][key] for run in self.runs])

    def measures_table(self) -> str:
        """Accuracy, loss and the per-layer geometry of every condition, as text.

        Each cell is the mean over all runs (the article's seed and the
        others); per-layer cells list layers 0 (the input), 1 and 2.

        Returns
        -------
        str

        Examples
        --------
        >>> print(audit(seeds=1, controls=False).measures_table().splitlines()[0])   # doctest: +ELLIPSIS
        condition  test acc  final loss  probe acc ...
        """
        columns = [("test acc", "test_accuracy"), ("final loss", None), ("probe acc", "probe"),
                   ("R2 own dist.", "r2_own"), ("R2 log-odds", "r2_bayes"), ("f'<1% of max", "saturation"),
                   ("CKA to input", "cka_to_input"), ("log10 stretch", "log10_stretch")]
        lines = [["condition"] + [title for title, _ in columns]]
        for name in self.conditions:
            row = [name]
            for title, key in columns:
                if key is None:
                    values = np.array([run[name]["loss"][-1] for run in self.runs])
                else:
                    values = self.measure(name, key)
                with np.errstate(invalid="ignore"):
                    mean = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
                row.append(f"{mean:.3f}" if np.ndim(mean) == 0 else " ".join(f"{v:.2f}" for v in mean))
            lines.append(row)
        widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)

    def table(self) -> str:
        """The verdict table as text, one claim per line.

        Returns
        -------
        str

        Examples
        --------
        >>> print(audit(seeds=1, controls=False).table().splitlines()[0].split())
        ['claim', 'article', 'ours', "(article's", 'run)', '1', 'seeds:', 'mean', '[95%]', 'verdict']
        """
        header = ("claim", "article", "ours (article's run)", f"{len(self.seeds)} seeds: mean [95%]", "verdict")
        lines = [header]
        for row in self.rows:
            mean, lo, hi = row["seeds"]
            if not math.isfinite(mean):
                spread = "-"
            elif "%" in row["article"]:  # accuracies, shown as the article shows them
                spread = f"{mean:.1%} [{lo:.1%}, {hi:.1%}]"
            else:
                spread = f"{mean:.3g} [{lo:.3g}, {hi:.3g}]"
            verdict = row["verdict"] + (f" ({row['why']})" if row["why"] else "")
            lines.append((row["claim"], row["article"], row["ours"], spread, verdict))
        widths = [max(len(line[i]) for line in lines) for i in range(4)]
        return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line[:4], widths)) + "  " + line[4]
                         for line in lines)


def audit(seeds: int | Iterable[int] = 16, *, controls: bool = True, threads: int | None = None,
          progress: bool = False) -> AuditResult:
    """Measure every claim of the article and decide it: holds, holds only at these settings, or does not hold.

    Parameters
    ----------
    seeds : int or iterable of int
        Initialization seeds beyond the article's 42: an int n takes the first
        n other than 42; a list must hold distinct seeds, without 42.
    controls : bool
        Also train the controls (tanh, sigmoid at lr 0.5, for 5000 epochs,
        with He init, and both networks on data seed 7). Without them only
        seeds are checked.
    threads : int or None
        Seeds measured at once (default: :func:`swiftmoons.get_threads`).
    progress : bool
        Show a bar of the seeds done.

    Returns
    -------
    AuditResult

    Raises
    ------
    TypeError, ValueError
        For seeds that are not integers, repeated, 42, or none.
    KeyboardInterrupt
        On Ctrl-C: seeds not started are dropped and running ones stop at
        their next network (within a fraction of a second); nothing is returned.

    Examples
    --------
    >>> result = audit(seeds=2, controls=False)
    >>> result.verdicts()["relu clearly beats sigmoid"]
    'holds'
    """
    start = time.perf_counter()
    article_seed = int(ARTICLE["net_seed"])
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        count = as_int(seeds, "seeds", 1, 100_000)
        # The first `count` seeds other than the article's (whose run is always first).
        seed_list = [s for s in range(count + 1) if s != article_seed][:count]
    elif isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"seeds must be a count or a list of integers, got {type(seeds).__name__}")
    else:
        seed_list = [seed_value(s, "seeds") for s in seeds]
        if not seed_list:
            raise ValueError("The audit needs at least one seed")
        if len(set(seed_list)) != len(seed_list):
            raise ValueError(f"The seeds must be distinct, got {seed_list}")
        if article_seed in seed_list:
            raise ValueError(f"Seed {article_seed} is the article's run, which the audit always measures first: "
                             "leave it out of seeds")
    conditions = dict(CONDITIONS) if as_flag(controls, "controls") else \
        {k: v for k, v in CONDITIONS.items() if k in ("sigmoid", "relu")}
    workers = get_threads() if threads is None else as_int(threads, "threads", 1, 1024)
    everything: list[int] = [article_seed] + seed_list
    bar = progress_bar(len(everything), "seeds") if as_flag(progress, "progress") else None
    runs: list = [None] * len(everything)
    stop = threading.Event()
    # Each seed trains on one thread; its networks' native calls use one thread each.
    pool = ThreadPoolExecutor(max_workers=workers)
    futures: dict = {}
    try:
        with thread_count(1):
            datasets = {}
            for change in conditions.values():
                key = _data_key(_settings(change))
                if key not in datasets:
                    datasets[key] = _data(_settings(change))
            futures = {pool.submit(_run_seed, seed, conditions, datasets, stop): i
                       for i, seed in enumerate(everything)}
            for future, i in futures.items():
                runs[i] = future.result()
                if bar is not None:
                    bar.update(1)
    except BaseException:
        # Ctrl-C (or a failure): seeds not started never start, running ones
        # stop at their next network, and the exception goes on.
        stop.set()
        for future in futures:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True)
        if bar is not None:
            bar.close()
    rows = [_decide(claim, runs) for claim in CLAIMS if set(claim.needs) <= set(conditions)]
    return AuditResult(seeds=seed_list, conditions=conditions, runs=runs, rows=rows,
                       seconds=time.perf_counter() - start)


def _measured(claim: Claim, bundle: Bundle) -> bool:
    """Can the claim be measured in this run? (Not where its measure is undefined, e.g. log-odds without noise.)"""
    value = _safe(claim.value, bundle)
    return isinstance(value, (int, float, np.floating)) and math.isfinite(value)


def claims_of_run(result: Any) -> list[tuple[str, str, str, str]]:
    """The rows of :func:`swiftmoons.article.claims_table` for one article run
    (an ArticleResult): the claims its networks can answer, with verdicts."""
    config = result.config
    epochs = int(config["epochs"])
    bayes = None
    if config["noise"] > 0:
        raw, _ = make_moons(config["n_samples"], noise=config["noise"], random_state=config["data_seed"])
        bayes = geometry.bayes_log_odds(raw, config["noise"], n_samples=config["n_samples"])
    data = _Data(result.X, result.y, result.X_train, result.X_test, result.y_train, result.y_test, bayes)
    bundle = {name: _measure(result.nets[name], data, epochs) for name in ("sigmoid", "relu")
              if name in result.nets}
    rows = []
    for claim in CLAIMS:
        if claim.scope == "fixed" or not set(claim.needs) <= set(bundle):
            continue
        if (epochs != claim.epoch) if claim.final else (epochs < claim.epoch):
            continue
        true = bool(claim.holds(bundle))
        if not _measured(claim, bundle):
            verdict = "not measured"
        elif claim.article[:1] in "~0123456789":  # a figure
            verdict = "agrees" if true else "differs"
        else:
            verdict = "holds" if true else "does not hold"
        rows.append((claim.text, claim.article, claim.show(bundle), f"{verdict} ({claim.rule})"))
    return rows


def _decide(claim: Claim, runs: list) -> dict:
    article, others = runs[0], runs[1:]
    at_article = bool(_safe(claim.holds, article))
    values = np.array([_safe(claim.value, b) for b in others], dtype=float)
    measurable = [b for b in others if _measured(claim, b)]
    share = float(np.mean([bool(_safe(claim.holds, b)) for b in measurable])) if measurable else math.nan
    controls = {}
    for label, roles in _controls_of(claim, article):
        controls[label] = float(np.mean([bool(_safe(claim.holds, _substitute(b, roles))) for b in runs]))
    finite = values[np.isfinite(values)]
    summary = ((float(finite.mean()), float(np.quantile(finite, 0.025)), float(np.quantile(finite, 0.975)))
               if finite.size else (math.nan, math.nan, math.nan))
    failing = [f"{label}: {v:.0%} of seeds" for label, v in controls.items() if v < MAJORITY]
    if not _measured(claim, article):
        verdict, why = "not measured", "its measure is undefined in this run"
    elif not at_article:
        verdict, why = "does not hold", (f"though true in {share:.0%} of other seeds" if share > 0 else "")
    elif share < MAJORITY:
        verdict, why = "holds only at these settings", f"true in {share:.0%} of seeds"
    elif failing:
        verdict, why = "holds only at these settings", "; ".join(failing)
    else:
        verdict, why = "holds", ""
    return {"claim": claim.text, "source": claim.source, "article": claim.article, "ours": str(_safe(claim.show, article)),
            "value": _safe(claim.value, article), "seeds": summary, "share": share, "controls": controls,
            "verdict": verdict, "why": why, "rule": claim.rule}


__all__ = ["ARTICLE", "AuditResult", "CLAIMS", "CLEAR_GAP", "CONDITIONS", "Claim",
           "DROP", "MAJORITY", "NEARLY_LINEAR", "PLATEAU", "UNITS", "audit"]
