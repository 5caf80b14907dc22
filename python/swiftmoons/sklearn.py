"""`swiftmoons.sklearn`: scikit-learn's MLPClassifier and MLPRegressor, computed in Swift, with any activation.

`MLPClassifier` and `MLPRegressor` take scikit-learn's constructor parameters
with its defaults, set the same fitted attributes, have the same methods,
warnings and errors, and fit to scikit-learn's numbers: the same Glorot
initial weights from the same ``random_state``, the same shuffles, batches,
L2 term, early-stopping split, learning-rate schedules, momentum, Adam and
L-BFGS (scipy's L-BFGS-B, as scikit-learn calls it). The native core computes
scikit-learn's loss and gradients at a flat parameter vector in one call
(``sm_net_sk_loss_grad``, what L-BFGS evaluates) and runs a whole SGD or
Adam fit in one call (``sm_net_sk_epochs``: each epoch's shuffle, batches and
optimizer updates, then the learning-rate schedule and the stopping rule).
With early stopping or ``verbose`` each epoch is one call
(``sm_net_sk_epoch``) and Python keeps the validation scores and messages
between epochs.

Beyond scikit-learn, ``activation`` takes any swiftmoons activation
(`swiftmoons.activations.NAMES`: gelu, leaky_relu, prelu, elu, swish,
softplus, ...), with its parameter as ``("leaky_relu", 0.1)`` or
``("elu", {"alpha": 2.0})``, or a list with one per hidden layer. PReLU's
learned slopes are the fitted attribute ``slopes_``.

scikit-learn (>= 1.2) and SciPy are optional dependencies of swiftmoons
(``pip install swiftmoons[sklearn]``); importing this module imports them.

Examples
--------
>>> from sklearn.datasets import load_iris
>>> from swiftmoons.sklearn import MLPClassifier
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier((16,), activation=("leaky_relu", 0.1), solver="lbfgs", max_iter=300,
...                     random_state=0).fit(X, y)
>>> clf
MLPClassifier(activation=('leaky_relu', 0.1), hidden_layer_sizes=(16,),
              max_iter=300, random_state=0, solver='lbfgs')
>>> clf.score(X, y) > 0.95
True
"""

# mypy: disable-error-code="import-untyped"
# (scikit-learn and SciPy ship no type information.)

from __future__ import annotations

import warnings

import numpy as np

try:
    import scipy.optimize
    import scipy.sparse
    from scipy.special import expit
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier as _SkMLPClassifier, MLPRegressor as _SkMLPRegressor
    from sklearn.preprocessing import LabelBinarizer
    from sklearn.utils import check_random_state, column_or_1d
    from sklearn.utils._param_validation import StrOptions
    from sklearn.utils.metaestimators import available_if
    from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("swiftmoons.sklearn needs scikit-learn and SciPy: pip install 'swiftmoons[sklearn]'") from error

import ctypes

from . import _ffi
from . import activations as _activations
from . import random as _random
from .network import MLP

# ---- what differs between scikit-learn versions (>= 1.2) --------------------------------
try:
    from sklearn.base import _fit_context
except ImportError:  # pragma: no cover - scikit-learn < 1.3
    import functools

    def _fit_context(prefer_skip_nested_validation):
        def decorator(fit_method):
            @functools.wraps(fit_method)
            def wrapper(estimator, *args, **kwargs):
                if not (fit_method.__name__ == "partial_fit" and hasattr(estimator, "coefs_")):
                    estimator._validate_params()
                return fit_method(estimator, *args, **kwargs)
            return wrapper
        return decorator

try:
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - scikit-learn < 1.6
    def _validate_data(estimator, X="no_validation", y="no_validation", **kwargs):
        return estimator._validate_data(X, y, **kwargs)

try:
    from sklearn.utils.optimize import _check_optimize_result
except ImportError:  # pragma: no cover
    def _check_optimize_result(solver, result, max_iter=None, extra_warning_msg=None):
        if result.status != 0:
            warnings.warn(f"{solver} failed to converge after {result.nit} iteration(s) (status={result.status}): "
                          f"{result.message}", ConvergenceWarning, stacklevel=2)
        return min(result.nit, max_iter) if max_iter is not None else result.nit

try:
    from sklearn.utils.fixes import _get_additional_lbfgs_options_dict
except ImportError:  # pragma: no cover - scikit-learn < 1.6 (SciPy < 1.15 still takes iprint)
    def _get_additional_lbfgs_options_dict(key, value):
        return {key: value}

__all__ = ["MLPClassifier", "MLPRegressor"]

_STOCHASTIC_SOLVERS = ["sgd", "adam"]
#: scikit-learn's hidden activations, and the swiftmoons names they compute with.
_SKLEARN_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
#: Every name ``activation`` takes: scikit-learn's and swiftmoons'.
ACTIVATION_NAMES = tuple(sorted(set(_SKLEARN_ACTIVATIONS) | set(_activations.NAMES)))
#: The loss kinds of sm_net_sk_loss_grad.
_LOSS_KINDS = {"squared_error": 0, "log_loss": 1, "binary_log_loss": 2, "poisson": 3}
#: The native output kind for each scikit-learn output activation, when the
#: native loss's delta is scikit-learn's ``p - y`` ("exp", Poisson's, has none).
_NATIVE_OUTPUT = {"logistic": "sigmoid", "softmax": "softmax", "identity": "identity"}


def _constraints(sk_class) -> dict:
    """scikit-learn's parameter constraints, with ``activation`` widened to swiftmoons' activations."""
    constraints = dict(sk_class._parameter_constraints)
    constraints["activation"] = [StrOptions(set(ACTIVATION_NAMES)), tuple, list]
    return constraints


# ---- scikit-learn's output activations, for predictions (sklearn/neural_network/_base.py) ------
# (BSD-3-Clause, The scikit-learn developers). Training computes them, the losses and the
# gradients natively (sm_net_sk_loss_grad, Model/SklearnLoss.swift).

def _softmax(X):
    tmp = X - X.max(axis=1)[:, np.newaxis]
    np.exp(tmp, out=X)
    X /= X.sum(axis=1)[:, np.newaxis]
    return X


_OUTPUT_FUNCTIONS = {"identity": lambda z: z, "exp": lambda z: np.exp(z, out=z),
                     "logistic": lambda z: expit(z, out=z), "softmax": _softmax}


#: sm_net_sk_epochs' codes of SGD's learning-rate schedules.
_SCHEDULES = {"constant": 0, "invscaling": 1, "adaptive": 2}


# ---- scikit-learn's optimizers' state and schedules (_stochastic_optimizers.py) ------------------
# The updates themselves run natively (sm_net_sk_epoch, Model/Optimizers.swift), on state
# buffers these objects' lists are views of.

class _SGDOptimizer:
    """SGD with momentum / Nesterov and the constant, invscaling and adaptive schedules, as scikit-learn's."""

    def __init__(self, params, learning_rate_init, lr_schedule, momentum, nesterov, power_t):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocities = [np.zeros_like(param) for param in params]

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg, verbose):
        if self.lr_schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


class _AdamOptimizer:
    """Adam, as scikit-learn's (bias correction folded into the learning rate)."""

    def __init__(self, params, learning_rate_init, beta_1, beta_2, epsilon):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.ms = [np.zeros_like(param) for param in params]
        self.vs = [np.zeros_like(param) for param in params]

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, msg, verbose):
        if verbose:
            print(msg + " Stopping.")
        return True


# ---- the native network that computes the passes ------------------------------------------------

class _Native:
    """A swiftmoons `MLP` of the estimator's layers, for training and predictions.

    ``mode`` "logits" (training): the native output is identity, so its last
    z are the logits, and sm_net_sk_loss_grad / sm_net_sk_epoch apply
    scikit-learn's output function, loss and gradients to them at the flat
    parameters ``flat`` (the native order W1, b1, (s1), W2, ...; gradients in
    ``grad``). ``mode`` "direct" (predictions): the native output is
    scikit-learn's where one exists (sigmoid for logistic, softmax, identity).
    """

    def __init__(self, layer_units, specs, out_activation, mode, coefs, intercepts, slopes):
        self.k = layer_units[-1]
        self.mode = mode
        self.out_activation = out_activation
        self.output = _NATIVE_OUTPUT[out_activation] if mode == "direct" else "identity"
        self.has_slopes = [name == "prelu" for name, _ in specs]
        self.net = MLP.from_params(self._interleave(coefs, intercepts, slopes),
                                   activation=[_spec(s) for s in specs] or "relu", output=self.output)
        # One flat buffer each for the parameters and the gradients, in the
        # native order; the per-batch calls below skip MLP's argument checks
        # (sklearn's validation has checked X, and the targets are built here).
        self.blocks = []
        at = 0
        for shape in (p.shape for p in self.net.parameters()):
            self.blocks.append((at, at + shape[0] * shape[1], shape))
            at += shape[0] * shape[1]
        self.flat = np.empty(at)
        self.grad = np.empty(at)
        self._loss = ctypes.c_double()

    def _interleave(self, coefs, intercepts, slopes):
        out = []
        for i, (W, b) in enumerate(zip(coefs, intercepts)):
            out += [W, b]
            if i < len(self.has_slopes) and self.has_slopes[i]:
                out.append(slopes[i])
        return out

    def forward(self, X):
        """The native outputs for a batch (X float64, C order, finite)."""
        out = np.empty((X.shape[0], self.k))
        _ffi.call("sm_net_forward", self.net, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(out), out.size, None)
        return out

    def views(self, buffer):
        """(coefs, intercepts, slopes) as views of a buffer in the native order (``flat`` or ``grad``)."""
        return self.split([buffer[start:end].reshape(shape) for start, end, shape in self.blocks])

    def loss_grad(self, X, Y, sample_weight, kind, alpha):
        """scikit-learn's loss at ``flat`` for a batch (one native call); the gradients go to ``grad``.

        X and Y (n, k) float64 C order, sample_weight (n,) float64 or None;
        kind from `_LOSS_KINDS`. The native network must have an identity
        output ("logits" mode).
        """
        _ffi.call("sm_net_sk_loss_grad", self.net, _ffi.ptr(self.flat), self.flat.size, _ffi.ptr(X), X.shape[0],
                  X.shape[1], _ffi.ptr(Y), Y.size, None if sample_weight is None else _ffi.ptr(sample_weight),
                  kind, alpha, ctypes.byref(self._loss), _ffi.ptr(self.grad), self.grad.size)
        return self._loss.value

    def outputs(self, X):
        """scikit-learn's output activations for the rows of X (X float64, C order)."""
        out = self.net.forward(X)
        if self.output == "identity" and self.out_activation != "identity":
            out = _OUTPUT_FUNCTIONS[self.out_activation](out)
        return out

    def split(self, grads):
        """Native gradients [W1, b1, (s1), W2, ...] -> (weight grads, bias grads, slope grads)."""
        coefs, intercepts, slopes, i = [], [], [], 0
        for layer in range(len(self.has_slopes) + 1):
            coefs.append(grads[i])
            intercepts.append(grads[i + 1].ravel())
            i += 2
            if layer < len(self.has_slopes) and self.has_slopes[layer]:
                slopes.append(grads[i].ravel())
                i += 1
        return coefs, intercepts, slopes


def _spec(spec):
    name, alpha = spec
    return name if alpha is None else (name, alpha)


class _BaseMLP(BaseEstimator):
    """What MLPClassifier and MLPRegressor share (scikit-learn's BaseMultilayerPerceptron)."""

    # ---- activations ---------------------------------------------------------

    def _hidden_specs(self, n_hidden):
        """((name, alpha) per hidden layer, Glorot factor per weight layer) for ``self.activation``."""
        activation = self.activation
        if isinstance(activation, list):
            if len(activation) != n_hidden:
                raise ValueError(f"activation is a list of {len(activation)} activations, but there are "
                                 f"{n_hidden} hidden layers: give one per hidden layer, or a single one")
            given = list(activation)
        else:
            given = [activation] * n_hidden
        specs = []
        for spec in given:
            if isinstance(spec, str) and spec in _SKLEARN_ACTIVATIONS:
                spec = _SKLEARN_ACTIVATIONS[spec]
            name, alpha = _activations.parse(spec)
            if name not in _activations.PARAMETERS:
                raise ValueError(f"Unknown activation {name!r}; the activations are {list(ACTIVATION_NAMES)}")
            specs.append((name, alpha))
        # scikit-learn's Glorot-uniform bound uses factor 2 for the logistic
        # activation and 6 otherwise, for every layer. With a list, the weights
        # into a hidden layer follow its activation, the output weights the
        # last hidden layer's.
        if isinstance(activation, list):
            names = [name for name, _ in specs]
            factors = [2.0 if name == "sigmoid" else 6.0 for name in names]
            factors.append(factors[-1] if factors else 6.0)
        else:
            name = _activations.parse(_SKLEARN_ACTIVATIONS.get(activation, activation)
                                      if isinstance(activation, str) else activation)[0]
            factors = [2.0 if name == "sigmoid" else 6.0] * (n_hidden + 1)
        return specs, factors

    # ---- fitting -------------------------------------------------------------

    def _initialize(self, y, layer_units, specs, factors):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"
        self.coefs_ = []
        self.intercepts_ = []
        for i in range(self.n_layers_ - 1):
            init_bound = np.sqrt(factors[i] / (layer_units[i] + layer_units[i + 1]))
            self.coefs_.append(self._random_state.uniform(-init_bound, init_bound, (layer_units[i], layer_units[i + 1])))
            self.intercepts_.append(self._random_state.uniform(-init_bound, init_bound, layer_units[i + 1]))
        # PReLU's learned slopes start at its parameter (0.25 by default); None for other layers.
        self.slopes_ = [np.full(layer_units[i + 1], 0.25 if alpha is None else alpha) if name == "prelu" else None
                        for i, (name, alpha) in enumerate(specs)]
        self.activations_ = tuple(specs)
        self._best_coefs = [c.copy() for c in self.coefs_]
        self._best_intercepts = [i.copy() for i in self.intercepts_]
        self._best_slopes = [None if s is None else s.copy() for s in self.slopes_]
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden_layer_sizes = self.hidden_layer_sizes
        if not hasattr(hidden_layer_sizes, "__iter__"):
            hidden_layer_sizes = [hidden_layer_sizes]
        hidden_layer_sizes = list(hidden_layer_sizes)
        if np.any(np.array(hidden_layer_sizes) <= 0):
            raise ValueError("hidden_layer_sizes must be > 0, got %s." % hidden_layer_sizes)
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        n_samples, n_features = X.shape
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        layer_units = [n_features] + hidden_layer_sizes + [self.n_outputs_]
        specs, factors = self._hidden_specs(len(hidden_layer_sizes))
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units, specs, factors)
        elif [(w.shape[0], w.shape[1]) for w in self.coefs_] != list(zip(layer_units[:-1], layer_units[1:])):
            raise ValueError(f"The data and hidden_layer_sizes give layer sizes {layer_units}, but the fitted "
                             f"network has {[w.shape[0] for w in self.coefs_] + [self.coefs_[-1].shape[1]]}")
        X = _dense(X)
        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(X, y, sample_weight, layer_units, specs, incremental)
        elif self.solver == "lbfgs":
            self._fit_lbfgs(X, y, sample_weight, layer_units, specs)
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError("Solver produced non-finite parameter weights. The input data may"
                             " contain large values and need to be preprocessed.")
        return self

    def _slope_list(self):
        return [s for s in self.slopes_ if s is not None]

    def _loss_name(self):
        if self.loss == "log_loss" and self.out_activation_ == "logistic":
            return "binary_log_loss"
        return self.loss

    # ---- L-BFGS --------------------------------------------------------------

    def _fit_lbfgs(self, X, y, sample_weight, layer_units, specs):
        self._coef_indptr = []
        self._intercept_indptr = []
        self._slope_indptr = []
        start = 0
        for i in range(self.n_layers_ - 1):
            end = start + layer_units[i] * layer_units[i + 1]
            self._coef_indptr.append((start, end, (layer_units[i], layer_units[i + 1])))
            start = end
        for i in range(self.n_layers_ - 1):
            end = start + layer_units[i + 1]
            self._intercept_indptr.append((start, end))
            start = end
        for i, s in enumerate(self.slopes_):
            if s is not None:
                self._slope_indptr.append((i, start, start + s.size))
                start += s.size
        packed = np.hstack([p.ravel() for p in self.coefs_ + self.intercepts_ + self._slope_list()])
        iprint = 1 if self.verbose is True or self.verbose >= 1 else -1
        native = _Native(layer_units, specs, self.out_activation_, "logits", self.coefs_, self.intercepts_,
                         self.slopes_)
        # scipy's vector is scikit-learn's packing (coefs, intercepts, slopes);
        # the native one interleaves them per layer: packed[i] is native[native_index[i]].
        coefs, intercepts, slopes = native.views(np.arange(native.flat.size))
        native_index = np.concatenate([b.ravel() for b in coefs + intercepts + slopes])
        Y = np.ascontiguousarray(y, dtype=np.float64)
        sw = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float64)
        kind = _LOSS_KINDS[self._loss_name()]

        def loss_grad(packed_coef_inter):
            native.flat[native_index] = packed_coef_inter
            loss = native.loss_grad(X, Y, sw, kind, self.alpha)
            return loss, native.grad[native_index]

        opt_res = scipy.optimize.minimize(
            loss_grad, packed, method="L-BFGS-B", jac=True,
            options={"maxfun": self.max_fun, "maxiter": self.max_iter, "gtol": self.tol,
                     **_get_additional_lbfgs_options_dict("iprint", iprint)})
        self.n_iter_ = _check_optimize_result("lbfgs", opt_res, self.max_iter)
        self.loss_ = opt_res.fun
        self._unpack(opt_res.x)

    def _unpack(self, packed_parameters):
        for i in range(self.n_layers_ - 1):
            start, end, shape = self._coef_indptr[i]
            self.coefs_[i] = np.reshape(packed_parameters[start:end], shape)
            start, end = self._intercept_indptr[i]
            self.intercepts_[i] = packed_parameters[start:end]
        for i, start, end in self._slope_indptr:
            self.slopes_[i] = packed_parameters[start:end]

    # ---- SGD and Adam --------------------------------------------------------

    def _fit_stochastic(self, X, y, sample_weight, layer_units, specs, incremental):
        params = self.coefs_ + self.intercepts_ + self._slope_list()
        if not incremental or not hasattr(self, "_optimizer"):
            if self.solver == "sgd":
                self._optimizer = _SGDOptimizer(params, self.learning_rate_init, self.learning_rate, self.momentum,
                                                self.nesterovs_momentum, self.power_t)
            elif self.solver == "adam":
                self._optimizer = _AdamOptimizer(params, self.learning_rate_init, self.beta_1, self.beta_2,
                                                 self.epsilon)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early_stopping = self.early_stopping
        if early_stopping:
            should_stratify = is_classifier(self) and self.n_outputs_ == 1
            stratify = y if should_stratify else None
            if sample_weight is None:
                X_train, X_val, y_train, y_val = train_test_split(
                    X, y, random_state=self._random_state, test_size=self.validation_fraction, stratify=stratify)
                sample_weight_train = sample_weight_val = None
            else:
                X_train, X_val, y_train, y_val, sample_weight_train, sample_weight_val = train_test_split(
                    X, y, sample_weight, random_state=self._random_state, test_size=self.validation_fraction,
                    stratify=stratify)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                                 "or the size of your dataset.")
            if is_classifier(self):
                y_val = self._label_binarizer.inverse_transform(y_val)
        else:
            X_train, y_train, sample_weight_train = X, y, sample_weight
            X_val = y_val = sample_weight_val = None

        n_samples = X_train.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
            batch_size = int(np.clip(self.batch_size, 1, n_samples))
        # The parameters live in the native network's flat buffer (coefs_,
        # intercepts_ and slopes_ are views of it), so that each batch is one
        # native call with no copying; the optimizer updates them in place.
        native = _Native(layer_units, specs, self.out_activation_, "logits", self.coefs_, self.intercepts_,
                         self.slopes_)
        coefs, intercepts, slopes = native.views(native.flat)
        for view, value in zip(coefs + intercepts + slopes, self.coefs_ + self.intercepts_ + self._slope_list()):
            view[...] = value
        self.coefs_, self.intercepts_ = coefs, intercepts
        slope_views = iter(slopes)
        self.slopes_ = [None if s is None else next(slope_views) for s in self.slopes_]
        params[:] = self.coefs_ + self.intercepts_ + self._slope_list()
        g_coefs, g_intercepts, g_slopes = native.views(native.grad)
        run = _Run(native=native, params=params, X=X_train, y=y_train,
                   targets=np.ascontiguousarray(y_train, dtype=np.float64), grads=g_coefs + g_intercepts + g_slopes,
                   kind=_LOSS_KINDS[self._loss_name()],
                   sample_weight=None if sample_weight_train is None
                   else np.ascontiguousarray(sample_weight_train, dtype=np.float64), X_val=X_val, y_val=y_val, sample_weight_val=sample_weight_val,
                   sample_idx=np.arange(n_samples, dtype=np.int64), batch_size=batch_size,
                   early_stopping=early_stopping)
        self._native_optimizer(run)
        # The shuffles draw from a swiftmoons stream at the NumPy stream's
        # state, handed back when training ends (however it ends).
        run.stream, sync = _random.resolve(self._random_state) if self.shuffle else (None, lambda: None)
        try:
            self.n_iter_ = 0
            stopped = self._epochs(run, 1 if incremental else self.max_iter)
            if not stopped and not incremental and self.n_iter_ == self.max_iter:
                warnings.warn("Stochastic Optimizer: Maximum iterations (%d) reached and the optimization "
                              "hasn't converged yet." % self.max_iter, ConvergenceWarning)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        finally:
            sync()
        if early_stopping:
            self.coefs_ = self._best_coefs
            self.intercepts_ = self._best_intercepts
            self.slopes_ = self._best_slopes

    def _native_optimizer(self, run):
        """The optimizer's state as flat native-order buffers (its lists become views of them)."""
        native, opt = run.native, self._optimizer

        def flat(arrays):
            buffer = np.zeros(native.flat.size)
            coefs, intercepts, slopes = native.views(buffer)
            views = coefs + intercepts + slopes
            for view, value in zip(views, arrays):
                view[...] = value
            return buffer, views

        if isinstance(opt, _SGDOptimizer):
            run.solver = 0
            run.first, opt.velocities = flat(opt.velocities)
            run.second = None
        else:
            run.solver = 1
            run.first, opt.ms = flat(opt.ms)
            run.second, opt.vs = flat(opt.vs)
        # The optimizer's own settings (partial_fit keeps the first call's).
        sgd = run.solver == 0
        run.hyper = np.array([opt.learning_rate_init, opt.momentum if sgd else 0.0,
                              float(bool(opt.nesterov)) if sgd else 0.0, 0.0 if sgd else opt.beta_1,
                              0.0 if sgd else opt.beta_2, 0.0 if sgd else opt.epsilon], dtype=np.float64)

    def _native_epoch(self, run):
        """One epoch in one native call (sm_net_sk_epoch); returns its loss."""
        native, opt = run.native, self._optimizer
        X, Y, sw = run.X, run.targets, run.sample_weight
        rate = ctypes.c_double(opt.learning_rate)
        t = ctypes.c_int64(getattr(opt, "t", 0))
        loss = ctypes.c_double()
        args = (native.net, _ffi.ptr(native.flat), native.flat.size, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(Y),
                Y.size, None if sw is None else _ffi.ptr(sw), run.kind, self.alpha, run.batch_size,
                _ffi.ptr(run.sample_idx), run.stream, run.solver,
                _ffi.ptr(run.hyper), ctypes.byref(rate), ctypes.byref(t), _ffi.ptr(run.first),
                None if run.second is None else _ffi.ptr(run.second), ctypes.byref(loss))
        status, interruption = _ffi.run_long(lambda handle: _ffi.lib.sm_net_sk_epoch(*args, handle))
        if interruption is not None:
            raise interruption
        _ffi.check_long(status)
        opt.learning_rate = rate.value
        if run.solver == 1:
            opt.t = t.value
        return loss.value

    def _native_epochs(self, run, max_epochs):
        """`_epochs` without early stopping or verbose output: every epoch, the
        schedule and the stopping rule in one native call (sm_net_sk_epochs).
        On Ctrl-C the completed epochs are kept, then KeyboardInterrupt."""
        native, opt = run.native, self._optimizer
        X, Y, sw = run.X, run.targets, run.sample_weight
        rate = ctypes.c_double(opt.learning_rate)
        t = ctypes.c_int64(getattr(opt, "t", 0))
        schedule = _SCHEDULES[opt.lr_schedule] if run.solver == 0 else 0
        seen, count = ctypes.c_int64(self.t_), ctypes.c_int64(self._no_improvement_count)
        best = ctypes.c_double(self.best_loss_)
        losses = np.empty(max_epochs)
        done, stopped = ctypes.c_int64(0), ctypes.c_int32(0)
        args = (native.net, _ffi.ptr(native.flat), native.flat.size, _ffi.ptr(X), X.shape[0], X.shape[1], _ffi.ptr(Y),
                Y.size, None if sw is None else _ffi.ptr(sw), run.kind, self.alpha, run.batch_size,
                _ffi.ptr(run.sample_idx), run.stream, run.solver, _ffi.ptr(run.hyper), ctypes.byref(rate),
                ctypes.byref(t), _ffi.ptr(run.first), None if run.second is None else _ffi.ptr(run.second),
                schedule, float(getattr(opt, "power_t", 0.0)), float(self.tol), int(self.n_iter_no_change),
                ctypes.byref(seen), ctypes.byref(count), ctypes.byref(best), _ffi.ptr(losses), max_epochs,
                ctypes.byref(done), ctypes.byref(stopped))
        status, interruption = _ffi.run_long(lambda handle: _ffi.lib.sm_net_sk_epochs(*args, handle))
        if done.value > 0:
            # Epochs completed (all of them, or those before an interruption).
            curve = losses[:done.value].tolist()
            self.loss_curve_.extend(curve)
            self.loss_ = curve[-1]
            self.n_iter_ += done.value
            self.t_ = seen.value
            self._no_improvement_count = count.value
            self.best_loss_ = best.value
            opt.learning_rate = rate.value
            if run.solver == 1:
                opt.t = t.value
        if interruption is not None:
            raise interruption
        _ffi.check_long(status)
        return bool(stopped.value)

    def _epochs(self, run, max_epochs):
        """Train up to ``max_epochs`` epochs; True if the stopping rule ended training.

        Each epoch's shuffle, batches, losses, gradients and optimizer updates
        are one native call (`_native_epoch`, sm_net_sk_epoch); what follows
        an epoch (the loss curve, the validation score, the no-improvement
        count, the schedule's iteration_ends, the stop test) stays here. The
        specification the native call follows (a call running a chunk of
        epochs, stopping rules included, would need all of it):

        Inputs (read-only): X_train (n, d) float64 C order; the native targets
        (sigmoid: the 0/1 label matrix (n, k); softmax: class indices (n,);
        identity: y (n, k)) or, for Poisson or sample weights, y itself and
        the output function, with sample_weight (n,) or none; the batch size;
        the shuffle flag; alpha; the validation set (X_val, its labels or
        targets, its sample weights) and the score kind (accuracy of the
        thresholded / arg-max outputs, weighted by the sample weights;
        uniformly averaged R^2, NaN when an output is not finite); tol,
        n_iter_no_change, max_epochs; verbose.

        State (read and written back): the parameters (W, b and PReLU slopes
        per layer); the optimizer: SGD's learning rate and velocities, or
        Adam's t, first and second moments and learning rate; the learning
        rate schedule (constant / invscaling with power_t and learning_rate_init
        / adaptive, whose trigger_stopping divides the rate by 5 until it is
        <= 1e-6); sample_idx (n,) int64, the running permutation (each epoch
        applies a new one to it, so it is state, not a fresh arange); t_,
        n_iter_, _no_improvement_count, best_loss_ or best_validation_score_
        with the best parameters (copied when the validation score improves);
        and the random stream: the MT19937 key (624 uint32), position and
        Gaussian cache of the NumPy RandomState ``self._random_state``
        (swiftmoons' RandomState is bit-exact; `sm_rng_get_state` /
        `sm_rng_set_state` carry the state in and out). The only draws per
        epoch are one permutation of n rows (``RandomState.shuffle`` of
        ``arange(n)``, i.e. ``permutation``), when shuffle is on.

        Outputs: the per-epoch training losses (the loss_curve_ entries),
        the per-epoch validation scores, the number of epochs run, whether
        the stopping rule ended training (and the stop message for verbose),
        and the new learning rate after adaptive reductions.

        Per batch it computes, in this order: batch rows ``sample_idx[slice]``
        (gen_batches slices: full batches then one short one); p from the
        forward pass; the loss as scikit-learn's loss function of (y, p,
        sample weights) plus 0.5 alpha sum ||W||^2 / sw_sum; delta = (p - y)
        times the sample weight; W grads (a.T @ delta + alpha W) / sw_sum, b
        grads sum(delta) / sw_sum; the optimizer update; the epoch loss adds
        loss * batch rows. Per epoch: loss_ = accumulated / n, t_ += n, the
        no-improvement update (validation score or training loss against tol),
        iteration_ends (invscaling: lr = lr_init / (t_ + 1) ** power_t), then
        the stop test ``_no_improvement_count > n_iter_no_change``.
        """
        n_samples = run.X.shape[0]
        if not run.early_stopping and not self.verbose:
            return self._native_epochs(run, max_epochs)
        for _ in range(max_epochs):
            self.loss_ = self._native_epoch(run)
            self.n_iter_ += 1
            self.t_ += n_samples
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
            self._update_no_improvement_count(run.early_stopping, run.X_val, run.y_val, run.sample_weight_val)
            self._optimizer.iteration_ends(self.t_)
            if self._no_improvement_count > self.n_iter_no_change:
                if run.early_stopping:
                    msg = ("Validation score did not improve more than tol=%f for %d consecutive epochs."
                           % (self.tol, self.n_iter_no_change))
                else:
                    msg = ("Training loss did not improve more than tol=%f for %d consecutive epochs."
                           % (self.tol, self.n_iter_no_change))
                if self._optimizer.trigger_stopping(msg, self.verbose):
                    return True
                self._no_improvement_count = 0
        return False

    def _update_no_improvement_count(self, early_stopping, X, y, sample_weight):
        if early_stopping:
            val_score = self._score(X, y, sample_weight=sample_weight)
            self.validation_scores_.append(val_score)
            if self.verbose:
                print("Validation score: %f" % self.validation_scores_[-1])
            last_valid_score = self.validation_scores_[-1]
            if last_valid_score < (self.best_validation_score_ + self.tol):
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if last_valid_score > self.best_validation_score_:
                self.best_validation_score_ = last_valid_score
                self._best_coefs = [c.copy() for c in self.coefs_]
                self._best_intercepts = [i.copy() for i in self.intercepts_]
                self._best_slopes = [None if s is None else s.copy() for s in self.slopes_]
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    # ---- prediction ----------------------------------------------------------

    def _forward_pass_fast(self, X, check_input=True):
        if check_input:
            X = _validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        X = _dense(X)
        native = _Native([w.shape[0] for w in self.coefs_] + [self.coefs_[-1].shape[1]], self.activations_,
                         self.out_activation_, "direct" if self.out_activation_ in _NATIVE_OUTPUT else "logits",
                         self.coefs_, self.intercepts_, self.slopes_)
        if X.shape[0] == 0:
            return np.empty((0, self.n_outputs_))
        return native.outputs(X)

    def _score_with_function(self, X, y, sample_weight, score_function):
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError("partial_fit is only available for stochastic optimizers. %s is not stochastic."
                                 % self.solver)
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multilabel": is_classifier(self)}


class _Run:
    """The data and state of one stochastic fit that `_BaseMLP._epochs` works on."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _dense(X):
    """X as float64 in C order, for the native library (a sparse X is made dense)."""
    if scipy.sparse.issparse(X):
        X = X.toarray()
    return np.ascontiguousarray(X, dtype=np.float64)


_PARAMETERS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.
    activation : str, (str, float), (str, dict) or list of those, default='relu'
        The hidden layers' activation: scikit-learn's 'identity', 'logistic',
        'tanh', 'relu', or any swiftmoons activation
        (`swiftmoons.activations.NAMES`: 'sigmoid' (= 'logistic'),
        'leaky_relu', 'prelu', 'elu', 'gelu', 'gelu_tanh', 'swish', 'silu',
        'softplus'), with its parameter as ``("leaky_relu", 0.1)`` or
        ``("elu", {"alpha": 2.0})``; or a list with one per hidden layer.
        The Glorot bound uses scikit-learn's factor 2 for the logistic
        activation and 6 otherwise (with a list: per layer, the output
        weights following the last hidden layer).
    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        L-BFGS (SciPy's L-BFGS-B), SGD, or Adam, as scikit-learn's.
    alpha : float, default=0.0001
        Strength of the L2 regularization term ``0.5 * alpha * ||W||^2 /
        sum(sample_weight)`` added to the loss.
    batch_size : int, default='auto'
        Minibatch size for the stochastic solvers; 'auto' is
        ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        The SGD schedule: 'invscaling' is ``learning_rate_init / pow(t,
        power_t)``; 'adaptive' divides the rate by 5 each time
        ``n_iter_no_change`` epochs fail to improve by ``tol``.
    learning_rate_init : float, default=0.001
        The initial learning rate (SGD and Adam).
    power_t : float, default=0.5
        The exponent of 'invscaling'.
    max_iter : int, default=200
        Epochs for the stochastic solvers, iterations for L-BFGS.
    shuffle : bool, default=True
        Shuffle the samples each epoch (stochastic solvers).
    random_state : int, RandomState instance, default=None
        Draws the initial weights, the early-stopping split and the shuffles,
        as scikit-learn's.
    tol : float, default=1e-4
        Tolerance of the stopping rule (and L-BFGS's gtol).
    verbose : bool, default=False
        Print the progress.
    warm_start : bool, default=False
        Start from the previous fit's weights.
    momentum : float, default=0.9
        SGD's momentum, in [0, 1].
    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum (SGD with momentum > 0).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        single-output classification) and stop when its score stops improving;
        the best weights are kept.
    validation_fraction : float, default=0.1
        The held-out fraction for early stopping, in [0, 1).
    beta_1 : float, default=0.9
        Adam's first-moment decay, in [0, 1).
    beta_2 : float, default=0.999
        Adam's second-moment decay, in [0, 1).
    epsilon : float, default=1e-8
        Adam's numerical-stability term.
    n_iter_no_change : int, default=10
        Epochs without improvement by ``tol`` before stopping (or, for
        'adaptive', before dividing the learning rate).
    max_fun : int, default=15000
        The most loss evaluations of L-BFGS."""

_ATTRIBUTES_DOC = """
    loss_ : float
        The current loss (with the L2 term).
    best_loss_ : float or None
        The lowest training loss (stochastic solvers; None with early stopping).
    loss_curve_ : list of float
        The loss after each epoch (stochastic solvers).
    validation_scores_ : list of float or None
        The validation score after each epoch, with early stopping.
    best_validation_score_ : float or None
        The best validation score, with early stopping.
    t_ : int
        The samples the solver has seen.
    coefs_ : list of ndarray
        The weight matrices, ``coefs_[i]`` of shape (units i, units i + 1).
    intercepts_ : list of ndarray
        The bias vectors.
    slopes_ : list of (ndarray or None)
        The learned slopes of each PReLU hidden layer (None for the others).
    activations_ : tuple of (str, float or None)
        Each hidden layer's activation as the native core names it, with its
        parameter.
    n_features_in_ : int
        The number of features seen in fit.
    feature_names_in_ : ndarray of str
        The feature names seen in fit, when X had string column names.
    n_iter_ : int
        The epochs (stochastic solvers) or iterations (L-BFGS) run.
    n_layers_ : int
        The number of layers.
    n_outputs_ : int
        The number of outputs.
    out_activation_ : str
        The output activation."""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = f"""A multi-layer perceptron classifier: scikit-learn's, computed in Swift, with any activation.

    Minimises the log-loss (logistic outputs for binary and multilabel
    targets, softmax for multiclass) with L-BFGS, SGD or Adam, exactly as
    :class:`sklearn.neural_network.MLPClassifier` does: with scikit-learn's
    activations, the same fit gives the same coefficients to rounding.

    Parameters
    ----------{_PARAMETERS_DOC}

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        The class labels.{_ATTRIBUTES_DOC}

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The estimator this one reproduces.
    MLPRegressor : The regressor.

    Notes
    -----
    X is computed in float64 (a float32 X too, where scikit-learn computes
    in float32) and a sparse X is made dense.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.neural_network import MLPClassifier as SkMLPClassifier
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> ours = MLPClassifier((10,), max_iter=1000, random_state=1).fit(X, y)
    >>> theirs = SkMLPClassifier((10,), max_iter=1000, random_state=1).fit(X, y)
    >>> ours.n_iter_ == theirs.n_iter_, max(float(abs(a - b).max()) for a, b in zip(ours.coefs_, theirs.coefs_)) < 1e-12
    (True, True)
    >>> ours.n_iter_, ours.predict(X[:5])
    (666, array([1, 1, 1, 0, 0]))
    >>> gelu = MLPClassifier((10, 10), activation=["gelu", ("elu", 0.5)], max_iter=1000, random_state=1).fit(X, y)
    >>> gelu.activations_
    (('gelu', None), ('elu', 0.5))
    """

    _parameter_constraints: dict = _constraints(_SkMLPClassifier)

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    #: scikit-learn's classifier minimises the log-loss (not a constructor parameter).
    loss = "log_loss"

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                              dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in the previous "
                                     f"call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                                 f"'y' has {classes}.")
        y = self._label_binarizer.transform(y).astype(bool)
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to the data X and the labels y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The class labels (a label-indicator matrix for multilabel).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
        >>> clf.n_layers_, clf.out_activation_, [w.shape for w in clf.coefs_]
        (3, 'softmax', [(4, 8), (8, 3)])
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y), starting from the current weights (SGD and Adam only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,)
            The class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            Every class of all the calls: required on the first call.

        Returns
        -------
        self : MLPClassifier
            The updated estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), random_state=0)
        >>> for _ in range(3):
        ...     clf = clf.partial_fit(X, y, classes=[0, 1, 2])
        >>> clf.n_iter_, clf.t_
        (1, 450)
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """The predicted classes of the rows of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes (a label-indicator matrix for multilabel).

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
        >>> clf.predict(X[[0, 60, 120]])
        array([0, 1, 2])
        """
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight=sample_weight, score_function=accuracy_score)

    def predict_log_proba(self, X):
        """The log of `predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
        >>> clf.predict_log_proba(X[:2]).shape
        (2, 3)
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def predict_proba(self, X):
        """The probability of each class for the rows of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The probabilities, in the order of `classes_`.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((8,), solver="lbfgs", random_state=0).fit(X, y)
        >>> clf.predict_proba(X[:2]).sum(axis=1)
        array([1., 1.])
        """
        check_is_fitted(self)
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = f"""A multi-layer perceptron regressor: scikit-learn's, computed in Swift, with any activation.

    Minimises half the squared error (or half the Poisson deviance, with an
    exponential output) with L-BFGS, SGD or Adam, exactly as
    :class:`sklearn.neural_network.MLPRegressor` does: with scikit-learn's
    activations, the same fit gives the same coefficients to rounding.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        Half the squared error, or half the Poisson deviance (log link:
        exponential output; y >= 0).{_PARAMETERS_DOC}

    Attributes
    ----------{_ATTRIBUTES_DOC}

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The estimator this one reproduces.
    MLPClassifier : The classifier.

    Notes
    -----
    X is computed in float64 (a float32 X too, where scikit-learn computes
    in float32) and a sparse X is made dense.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    >>> y = y / 100
    >>> reg = MLPRegressor(hidden_layer_sizes=(20,), activation="swish", solver="lbfgs", tol=1e-3, max_iter=2000,
    ...                    random_state=0).fit(X, y)
    >>> reg.n_iter_, reg.score(X, y) > 0.99
    (31, True)
    """

    _parameter_constraints: dict = _constraints(_SkMLPRegressor)

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    def _validate_input(self, X, y, incremental, reset):
        X, y = _validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True, y_numeric=True,
                              dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to the data X and the targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> X, y = make_regression(n_samples=50, n_features=3, n_targets=2, random_state=0)
        >>> reg = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0).fit(X, y)
        >>> reg.n_outputs_, reg.out_activation_
        (2, 'identity')
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    # scikit-learn's regressor tests ``est._check_solver`` without calling it, so
    # partial_fit is there for every solver (and runs L-BFGS for 'lbfgs'); kept.
    @available_if(lambda est: est._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), starting from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : ndarray of shape (n_samples,)
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : MLPRegressor
            The updated estimator.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> X, y = make_regression(n_samples=50, n_features=3, random_state=0)
        >>> reg = MLPRegressor(hidden_layer_sizes=(8,), random_state=0).partial_fit(X, y).partial_fit(X, y)
        >>> reg.t_, len(reg.loss_curve_)
        (100, 2)
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """The predicted targets of the rows of X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predictions.

        Examples
        --------
        >>> from sklearn.datasets import make_regression
        >>> X, y = make_regression(n_samples=50, n_features=3, random_state=0)
        >>> MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0).fit(X, y).predict(X[:3]).shape
        (3,)
        """
        check_is_fitted(self)
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight=sample_weight, score_function=r2_score)
