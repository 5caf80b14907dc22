"""swiftmoons.sklearn: scikit-learn's MLPClassifier and MLPRegressor, number for number, and a good citizen.

Each parity test fits scikit-learn's estimator and ours with the same
parameters on the same small data and compares every fitted number.
"""

import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from sklearn import neural_network as sk_nn  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_classification, make_multilabel_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from swiftmoons.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

#: Coefficients and intercepts: max |ours - theirs| / max |theirs| per array.
#: The issue's bound. The passes differ from NumPy's only in rounding (the
#: native kernels sum in another order), ~1e-16 per step; SGD and Adam stay
#: near 1e-15 after tens of epochs, L-BFGS's line search amplifies to ~1e-10
#: at most over its (few) iterations here.
COEF_RTOL = 1e-9
#: Loss curves, best_loss_, loss_ and validation scores, absolute: losses are O(1)
#: and agree to ~1e-15 except through L-BFGS's amplification (~1e-12).
LOSS_ATOL = 1e-10
#: Regression predictions are computed from coefficients within COEF_RTOL
#: (class predictions and n_iter_ must be equal).
PRED_RTOL = 1e-9


def _data():
    Xb, yb = make_classification(60, 5, n_informative=3, n_redundant=1, random_state=1)
    Xm, ym = make_classification(60, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=2)
    Xl, yl = make_multilabel_classification(60, 5, n_classes=3, random_state=3)
    Xr, yr = make_regression(60, 5, n_targets=2, noise=1.0, random_state=4)
    Xr = Xr / 2
    yr = yr / 100
    ym_str = np.array(["ant", "bee", "cat"])[ym]  # string labels
    return {
        "binary": (MLPClassifier, sk_nn.MLPClassifier, Xb, yb),
        "multiclass": (MLPClassifier, sk_nn.MLPClassifier, Xm, ym_str),
        "multilabel": (MLPClassifier, sk_nn.MLPClassifier, Xl / 4, yl),
        "regression": (MLPRegressor, sk_nn.MLPRegressor, Xr, yr[:, 0]),
        "multioutput": (MLPRegressor, sk_nn.MLPRegressor, Xr, yr),
    }


DATA = _data()
KINDS = list(DATA)


def fit_both(kind, fit_args=None, fit=None, **params):
    """(theirs, ours, X, y) fitted alike; ``fit(est, X, y)`` replaces ``est.fit(X, y)``."""
    ours_cls, sk_cls, X, y = DATA[kind]
    fitted = []
    for cls in (sk_cls, ours_cls):
        est = cls(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if fit is None:
                est.fit(X, y, **(fit_args or {}))
            else:
                fit(est, X, y)
        fitted.append(est)
    return fitted[0], fitted[1], X, y


def assert_same(theirs, ours, X, y):
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    assert ours.n_layers_ == theirs.n_layers_ and ours.n_outputs_ == theirs.n_outputs_
    assert ours.out_activation_ == theirs.out_activation_
    assert ours.n_features_in_ == theirs.n_features_in_
    for a, b in zip(theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_):
        assert a.shape == b.shape
        assert np.max(np.abs(a - b)) <= COEF_RTOL * np.max(np.abs(a)), np.max(np.abs(a - b)) / np.max(np.abs(a))
    assert abs(ours.loss_ - theirs.loss_) <= LOSS_ATOL
    for name in ("loss_curve_", "validation_scores_", "best_loss_", "best_validation_score_"):
        a, b = getattr(theirs, name, "absent"), getattr(ours, name, "absent")
        if a is None or isinstance(a, str):
            assert b is None or b == a, name
        else:
            np.testing.assert_allclose(b, a, rtol=0, atol=LOSS_ATOL, err_msg=name)
    if hasattr(theirs, "classes_"):
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-9)
    else:
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=PRED_RTOL,
                                   atol=PRED_RTOL * np.abs(theirs.predict(X)).max())
    np.testing.assert_allclose(ours.score(X, y), theirs.score(X, y), atol=1e-9)


BASE = dict(hidden_layer_sizes=(6, 5), random_state=0, max_iter=12, learning_rate_init=0.01)


# ---- parity -------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_every_solver_and_activation_gives_scikit_learns_numbers(kind, activation, solver):
    theirs, ours, X, y = fit_both(kind, **{**BASE, "activation": activation, "solver": solver})
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_schedules_and_momentum(kind, schedule, momentum, nesterov):
    # A large tol and a short patience make the adaptive schedule cut the rate (and the others stop early).
    params = dict(BASE, solver="sgd", learning_rate=schedule, momentum=momentum, nesterovs_momentum=nesterov,
                  tol=0.05, n_iter_no_change=2, max_iter=25, activation="tanh", learning_rate_init=0.05)
    theirs, ours, X, y = fit_both(kind, **params)
    assert_same(theirs, ours, X, y)


def test_the_adaptive_schedule_divides_the_rate_as_scikit_learns():
    params = dict(BASE, solver="sgd", learning_rate="adaptive", tol=0.05, n_iter_no_change=1, max_iter=25)
    theirs, ours, X, y = fit_both("binary", **params)
    assert theirs._optimizer.learning_rate < params["learning_rate_init"]  # the schedule did act
    assert ours._optimizer.learning_rate == theirs._optimizer.learning_rate
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_early_stopping(kind, solver):
    params = dict(BASE, solver=solver, early_stopping=True, validation_fraction=0.2, n_iter_no_change=3,
                  max_iter=30, tol=1e-3)
    theirs, ours, X, y = fit_both(kind, **params)
    assert ours.best_loss_ is None and len(ours.validation_scores_) == ours.n_iter_
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", ["binary", "multioutput"])
def test_stopping_on_the_training_loss(kind):
    theirs, ours, X, y = fit_both(kind, **dict(BASE, solver="adam", tol=1e-2, n_iter_no_change=2, max_iter=200))
    assert ours.n_iter_ < 200
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
@pytest.mark.parametrize("batch_size, shuffle", [(7, True), (7, False), (500, True)])
def test_batches_and_shuffling(kind, batch_size, shuffle):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # batch_size 500 > n_samples: clipped, as scikit-learn warns
        theirs, ours, X, y = fit_both(kind, **dict(BASE, solver="sgd", batch_size=batch_size, shuffle=shuffle))
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_warm_start(kind, solver):
    def fit(est, X, y):
        est.fit(X, y)
        est.set_params(warm_start=True, max_iter=5)
        est.fit(X, y)
    theirs, ours, X, y = fit_both(kind, fit=fit, **dict(BASE, solver=solver))
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit(kind, solver):
    def fit(est, X, y):
        for i in range(4):
            rows = slice(0, 40) if i % 2 else slice(20, 60)
            if i == 0 and kind in ("binary", "multiclass"):
                est.partial_fit(X[rows], y[rows], classes=np.unique(y))
            elif i == 0 and kind == "multilabel":
                est.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
            else:
                est.partial_fit(X[rows], y[rows])
    theirs, ours, X, y = fit_both(kind, fit=fit, **dict(BASE, solver=solver))
    assert ours.n_iter_ == 1 and len(ours.loss_curve_) == 4
    assert_same(theirs, ours, X, y)


def test_partial_fit_after_fit_keeps_the_optimizer():
    def fit(est, X, y):
        est.fit(X, y)
        est.partial_fit(X, y)
    theirs, ours, X, y = fit_both("multiclass", fit=fit, **dict(BASE, solver="sgd"))
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_sample_weight(kind, solver):
    weights = np.random.RandomState(0).uniform(0.2, 3.0, 60)
    theirs, ours, X, y = fit_both(kind, fit_args={"sample_weight": weights}, **dict(BASE, solver=solver))
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_sample_weight_with_early_stopping(solver):
    weights = np.random.RandomState(1).uniform(0.2, 3.0, 60)
    theirs, ours, X, y = fit_both("multiclass", fit_args={"sample_weight": weights},
                                  **dict(BASE, solver=solver, early_stopping=True, validation_fraction=0.25))
    assert_same(theirs, ours, X, y)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_poisson_loss(solver):
    ours_cls, sk_cls, X, y = DATA["regression"]
    counts = np.random.RandomState(3).poisson(np.exp(X[:, 0] / 2))
    fitted = []
    for cls in (sk_cls, ours_cls):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted.append(cls(loss="poisson", **dict(BASE, solver=solver)).fit(X, counts))
    theirs, ours = fitted
    assert ours.out_activation_ == "exp"
    assert_same(theirs, ours, X, counts)


def test_sparse_input_gives_the_same_numbers():
    import scipy.sparse
    ours_cls, sk_cls, X, y = DATA["multiclass"]
    Xs = scipy.sparse.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = sk_cls(**dict(BASE, solver="adam")).fit(Xs, y)
        ours = ours_cls(**dict(BASE, solver="adam")).fit(Xs, y)
    for a, b in zip(theirs.coefs_, ours.coefs_):
        assert np.max(np.abs(a - b)) <= COEF_RTOL * np.max(np.abs(a))
    np.testing.assert_array_equal(ours.predict(Xs), theirs.predict(Xs))


def _same_error(make, call):
    """Both estimators raise the same exception type with the same message."""
    raised = []
    for cls in (sk_nn.MLPClassifier, MLPClassifier) if make == "classifier" else (sk_nn.MLPRegressor, MLPRegressor):
        with pytest.raises(Exception) as info:
            call(cls)
        raised.append((type(info.value), str(info.value).replace("MLPClassifier", "X").replace("MLPRegressor", "X")))
    assert raised[0] == raised[1]
    return raised[0]


def test_the_same_warnings_and_errors():
    X, y = DATA["binary"][2:]
    Xr, yr = DATA["regression"][2:]
    for cls in (sk_nn.MLPClassifier, MLPClassifier):
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            cls(max_iter=2, random_state=0).fit(X, y)
        with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
            cls(solver="lbfgs", max_iter=2, random_state=0).fit(X, y)
        with pytest.warns(UserWarning, match="batch_size"), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            cls(batch_size=100, max_iter=1).fit(X, y)
        assert not hasattr(cls(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")  # scikit-learn's quirk, kept
    for name, call in {
        "early stopping in partial_fit": lambda c: c(early_stopping=True).partial_fit(X, y, classes=[0, 1]),
        "negative alpha": lambda c: c(alpha=-1).fit(X, y),
        "a zero layer": lambda c: c(hidden_layer_sizes=(3, 0)).fit(X, y),
        "a bad solver": lambda c: c(solver="newton").fit(X, y),
        "a tiny validation set": lambda c: c(early_stopping=True, validation_fraction=0.01).fit(X, y),
        "NaN in X": lambda c: c().fit(np.where(X > 1, np.nan, X), y),
        "a regression target": lambda c: c().fit(X, X[:, 0]),
        "unfitted": lambda c: c().predict(X),
        "new classes in partial_fit": lambda c: c().partial_fit(X, y, classes=[0, 1]).partial_fit(X, y + 1),
        "warm start with other classes": lambda c: c(warm_start=True, max_iter=300).fit(X, y).fit(X, y + 1),
        "other features": lambda c: c(max_iter=300).fit(X, y).predict(X[:, :4]),
    }.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _same_error("classifier", call)
    for call in (lambda c: c(early_stopping=True, validation_fraction=0.01).fit(Xr, yr),
                 lambda c: c(loss="absolute").fit(Xr, yr)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            _same_error("regressor", call)


def test_the_same_parameters_and_defaults():
    import inspect
    for ours, theirs in ((MLPClassifier, sk_nn.MLPClassifier), (MLPRegressor, sk_nn.MLPRegressor)):
        a, b = inspect.signature(ours.__init__).parameters, inspect.signature(theirs.__init__).parameters
        assert [(p.name, p.default, p.kind) for p in a.values()] == [(p.name, p.default, p.kind) for p in b.values()]


# ---- beyond scikit-learn ---------------------------------------------------------

@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh", "swish", "silu", "softplus", "elu", "sigmoid",
                                        ("leaky_relu", 0.1), ("elu", {"alpha": 0.5}), "prelu",
                                        ["tanh", ("leaky_relu", 0.2)]])
def test_swiftmoons_activations_train(activation):
    X, y = DATA["multiclass"][2:]
    clf = MLPClassifier((8, 8), activation=activation, solver="lbfgs", max_iter=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.score(X, y) > 0.9
    assert len(clf.activations_) == 2


def test_sigmoid_is_logistic_and_leaky_relu_with_slope_0_is_relu():
    X, y = DATA["binary"][2:]
    for ours, same in (("sigmoid", "logistic"), (("leaky_relu", 0.0), "relu")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            a = MLPClassifier(**dict(BASE, activation=ours)).fit(X, y)
            b = sk_nn.MLPClassifier(**dict(BASE, activation=same)).fit(X, y)
        for u, v in zip(a.coefs_, b.coefs_):
            assert np.max(np.abs(u - v)) <= COEF_RTOL * np.max(np.abs(v))


def test_prelu_learns_its_slopes():
    X, y = DATA["regression"][2:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor(hidden_layer_sizes=(6, 4), activation=["prelu", "tanh"], random_state=0,
                           max_iter=20, learning_rate_init=0.01).fit(X, y)
    assert reg.slopes_[1] is None and reg.slopes_[0].shape == (6,)
    assert not np.allclose(reg.slopes_[0], 0.25)


def test_bad_activations_are_refused():
    X, y = DATA["binary"][2:]
    with pytest.raises(ValueError, match="The 'activation' parameter"):
        MLPClassifier(activation="nope").fit(X, y)
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLPClassifier((3, 3), activation=["relu"]).fit(X, y)
    with pytest.raises(ValueError, match="takes no parameter"):
        MLPClassifier(activation=("relu", 0.1)).fit(X, y)


# ---- a good citizen ---------------------------------------------------------------

@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)])
def test_scikit_learn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_clone_pickle_and_repr():
    X, y = DATA["multiclass"][2:]
    clf = MLPClassifier((5,), activation=("leaky_relu", 0.1), solver="lbfgs", max_iter=50, random_state=0)
    assert repr(clf) == repr(sk_nn.MLPClassifier(**clf.get_params()))
    assert repr(MLPRegressor(alpha=0.5)) == "MLPRegressor(alpha=0.5)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        twin = clone(clf).fit(X, y)
    np.testing.assert_array_equal(twin.coefs_[0], clf.coefs_[0])
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_pipeline_grid_search_and_cross_validation():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    pipe = make_pipeline(StandardScaler(), MLPClassifier((16,), solver="lbfgs", max_iter=30, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__activation": ["relu", "gelu"], "mlpclassifier__alpha": [1e-4, 1e-1]},
                        cv=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
        assert grid.best_score_ > 0.8
        scores = cross_val_score(MLPClassifier((16,), solver="lbfgs", max_iter=30, random_state=0), X, y, cv=2,
                                 n_jobs=2)
        serial = cross_val_score(MLPClassifier((16,), solver="lbfgs", max_iter=30, random_state=0), X, y, cv=2)
    np.testing.assert_array_equal(scores, serial)
