"""swiftmoons.geometry: each measure equals its plain reference (swiftmoons.reference),
finite differences, Monte Carlo or scikit-learn, within named tolerances."""

import math

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import geometry, reference

#: Two implementations of the same floating-point formula, in different orders.
ROUNDING = 1e-9
#: Newton's method stops at a 1e-12 relative step; scikit-learn's lbfgs at its tol.
SOLVERS_AGREE = 1e-6
#: Marching squares interpolates linearly on a grid of step h ~ 6 / 768: the
#: contour's error is O(h^2) times its curvature; rays bisect to 1e-12 but see
#: the contour through 720 directions (a relative error ~ (pi / 720)^2 / 2).
CONTOUR = 2e-3
#: Simpson's rule on 4,097 angles against the trapezoid rule on 200,001: the
#: trapezoid's error, (pi / 2e5)^2 / 12 times the integrand's relative second
#: derivative (up to ~(2 / noise^2)^2 in the tails), bounds the difference.
INTEGRATION = 1e-6
#: Central differences with step 1e-6 on smooth functions of size ~1.
FINITE_DIFFERENCES = 1e-6


@pytest.fixture(scope="module")
def moons():
    X, y = sm.make_moons(240, noise=0.2, random_state=3)
    return sm.standardize(X), y


def trained(activation, X, y, sizes=(2, 8, 8, 1), epochs=60):
    net = sm.MLP(sizes, activation=activation, seed=1)
    net.fit(X, y, epochs=epochs, lr=0.1, rng=1)
    twin = reference.MLP.from_params(net.parameters(), activation=activation)
    return net, twin


ACTIVATIONS = ["sigmoid", "relu", "tanh", ("leaky_relu", 0.05), "gelu", "prelu", "elu", "softplus"]


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=str)
def test_layers_and_pre_activations_are_the_reference_forward(moons, activation):
    X, y = moons
    net, twin = trained(activation, X, y)
    zs, outs = twin._layers(X)
    for mine, theirs in zip(geometry.pre_activations(net, X), zs):
        np.testing.assert_allclose(mine, theirs, rtol=ROUNDING, atol=ROUNDING)
    for mine, theirs in zip(geometry.layer_activations(net, X), reference.layer_activations(twin, X)):
        np.testing.assert_allclose(mine, theirs, rtol=ROUNDING, atol=ROUNDING)


def test_folds_are_the_reference_folds_and_stratified(moons):
    _, y = moons
    folds = geometry.folds_of(y, 5, seed=4)
    np.testing.assert_array_equal(folds, reference.folds_of(y, 5, seed=4))
    for f in range(5):
        assert abs(np.mean(y[folds == f]) - np.mean(y)) < 0.05
    np.testing.assert_array_equal(geometry.folds_of(y, 3, 2, stratify=False), reference.folds_of(y, 3, 2, False))


def test_logistic_fit_is_the_reference_and_scikit_learns(moons):
    X, y = moons
    w, b = geometry.logistic_fit(X, y, C=0.7)
    w_ref, b_ref = reference.logistic_fit(X, y, C=0.7)
    np.testing.assert_allclose(np.r_[w, b], np.r_[w_ref, b_ref], rtol=ROUNDING, atol=ROUNDING)
    sklearn = pytest.importorskip("sklearn.linear_model")
    model = sklearn.LogisticRegression(C=0.7, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(np.r_[w, b], np.r_[model.coef_[0], model.intercept_], rtol=SOLVERS_AGREE,
                               atol=SOLVERS_AGREE)


def test_ridge_fit_is_the_reference(moons):
    X, _ = moons
    t = np.sin(X[:, 0]) + X[:, 1] ** 2
    np.testing.assert_allclose(np.r_[geometry.ridge_fit(X, t, 0.01)], np.r_[reference.ridge_fit(X, t, 0.01)],
                               rtol=ROUNDING, atol=ROUNDING)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_probe_accuracy_is_the_reference(moons, activation):
    X, y = moons
    net, twin = trained(activation, X, y)
    mine = geometry.probe_accuracy(net, X, y, folds=4, C=2.0, seed=5)
    np.testing.assert_array_equal(mine, reference.probe_accuracy(twin, X, y, folds=4, C=2.0, seed=5))
    assert mine.shape == (3,) and 0.7 < mine[0] < mine[2] <= 1.0


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_distance_carried_is_the_reference(moons, activation):
    X, y = moons
    net, twin = trained(activation, X, y)
    target = np.hypot(X[:, 0] - 0.3, X[:, 1])
    mine = geometry.distance_carried(net, X, target, folds=3, alpha=0.01, seed=2)
    theirs = reference.distance_carried(twin, X, target, folds=3, alpha=0.01, seed=2)
    for key in ("r2", "rho"):
        np.testing.assert_allclose(mine[key], theirs[key], rtol=ROUNDING, atol=ROUNDING)


def test_distance_carried_refuses_an_infinite_target(moons):
    X, y = moons
    net, _ = trained("relu", X, y)
    with pytest.raises(ValueError, match="finite"):
        geometry.distance_carried(net, X, np.full(len(X), np.inf))
    with pytest.raises(ValueError, match="one value per row"):
        geometry.distance_carried(net, X, np.zeros(3))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_boundary_distance_matches_rays_bisected_to_the_contour(moons, activation):
    X, y = moons
    net, twin = trained(activation, X, y)
    picks = X[::24]
    mine = geometry.boundary_distance(net, X)[::24]
    theirs = reference.boundary_distance(twin, picks)
    np.testing.assert_allclose(mine, theirs, atol=CONTOUR, rtol=CONTOUR)
    # The sign is the network's decision.
    np.testing.assert_array_equal(mine > 0, net.forward(picks)[:, 0] >= 0.5)


def test_boundary_distance_of_a_line_is_exact():
    # logit = 3 (x - 0.2) + 4 y: the boundary is a line, distance |3x + 4y - 0.6| / 5.
    net = sm.MLP.from_params([[[3.0], [4.0]], [[-0.6]]], activation=[])
    X = np.array([[0.0, 0.0], [1.0, 1.0], [-0.5, 0.3], [0.4, -0.9]])
    expected = (3 * X[:, 0] + 4 * X[:, 1] - 0.6) / 5
    np.testing.assert_allclose(geometry.boundary_distance(net, X), expected, atol=1e-12)


def test_boundary_distance_without_a_boundary_is_infinite():
    net = sm.MLP.from_params([[[0.0], [0.0]], [[1.0]]], activation=[])
    assert np.all(geometry.boundary_distance(net, [[0.0, 0.0], [1.0, 2.0]]) == np.inf)


def test_boundary_needs_two_inputs_and_a_binary_output():
    with pytest.raises(ValueError, match="2-D inputs"):
        geometry.boundary_distance(sm.MLP((3, 4, 1), seed=0), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="sigmoid output of width 1 or a two-class softmax"):
        geometry.boundary_distance(sm.MLP((2, 4, 3), output="softmax", seed=0), np.zeros((2, 2)))
    # A two-class softmax: class 1 where z1 - z0 = 2x - 1 > 0, the line x = 0.5.
    softmax = sm.MLP.from_params([[[-1.0, 1.0], [0.0, 0.0]], [[0.5, -0.5]]], activation=[], output="softmax")
    np.testing.assert_allclose(geometry.boundary_distance(softmax, [[0.0, 0.0], [2.0, 1.0]]), [-0.5, 1.5], atol=1e-12)


def test_bayes_log_odds_is_the_reference_integral():
    X = np.random.RandomState(0).uniform(-1.5, 2.5, (40, 2))
    np.testing.assert_allclose(geometry.bayes_log_odds(X, 0.18, n_samples=401),
                               reference.bayes_log_odds(X, 0.18, n_samples=401), rtol=INTEGRATION,
                               atol=INTEGRATION)


def test_bayes_log_odds_is_the_monte_carlo_estimate():
    # p(x | c) as the mean of the noise density over angles drawn uniformly.
    rng = np.random.RandomState(1)
    t = rng.uniform(0, np.pi, 400_000)
    X = np.array([[0.0, 0.5], [1.0, 0.0], [0.5, 0.2], [-0.2, 0.9], [1.8, 0.1]])
    noise = 0.3
    outer = np.stack([np.cos(t), np.sin(t)], 1)
    inner = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    estimate = []
    for x in X:
        p0 = np.exp(-((x - outer) ** 2).sum(1) / (2 * noise ** 2))
        p1 = np.exp(-((x - inner) ** 2).sum(1) / (2 * noise ** 2))
        estimate.append(np.log(p1.mean()) - np.log(p0.mean()))
        # Monte Carlo's error of a log-mean: its relative standard error, four times over.
        tolerance = 4 * (p0.std() / p0.mean() + p1.std() / p1.mean()) / math.sqrt(t.size)
        assert abs(estimate[-1] - geometry.bayes_log_odds(x[None], noise)[0]) < tolerance


def test_bayes_classifier_beats_every_network_on_fresh_moons():
    X, y = sm.make_moons(4000, noise=0.18, random_state=11)
    bayes = np.mean((geometry.bayes_log_odds(X, 0.18) > 0) == (y == 1))
    assert 0.97 < bayes < 1.0


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "gelu", "prelu", ("leaky_relu", 0.005)],
                         ids=str)
def test_saturation_and_dead_units_are_the_reference(moons, activation):
    X, y = moons
    net, twin = trained(activation, X, y)
    np.testing.assert_array_equal(geometry.saturation(net, X), reference.saturation(twin, X))
    mine, theirs = geometry.dead_units(net, X), reference.dead_units(twin, X)
    for key in theirs:
        for a, b in zip(mine[key], theirs[key]):
            np.testing.assert_array_equal(a, b)


def test_dead_units_by_the_lessons_definition_differ_for_leaky_relu():
    X = np.zeros((4, 2))
    relu = geometry.dead_units(sm.MLP((2, 6, 1), activation="relu", bias_init=-2.0, seed=0), X)
    leaky = geometry.dead_units(sm.MLP((2, 6, 1), activation=("leaky_relu", 0.1), bias_init=-2.0, seed=0), X)
    assert relu["never_nonzero"][0].all() and relu["no_gradient"][0].all()
    assert leaky["never_positive"][0].all()
    assert not leaky["never_nonzero"][0].any() and not leaky["no_gradient"][0].any()


def test_saturation_counts_sigmoid_tails_and_relu_off_units():
    X = np.array([[0.0, 0.0], [100.0, 0.0]])
    net = sm.MLP.from_params([np.array([[1.0, -1.0], [0.0, 0.0]]), np.zeros(2), np.ones((2, 1)), np.zeros(1)],
                             activation="sigmoid")
    # At z = 0 both units are at the steepest point; at z = +-100 both are flat.
    np.testing.assert_array_equal(geometry.saturation(net, X), [0.0, 0.5])
    relu = sm.MLP.from_params(net.parameters(), activation="relu")
    np.testing.assert_array_equal(geometry.saturation(relu, X), [0.0, 0.75])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "gelu", "softplus", "relu", "prelu"])
def test_input_jacobians_are_finite_differences_and_the_reference(moons, activation):
    X, y = moons
    net, twin = trained(activation, X, y, sizes=(2, 6, 5, 4, 1))
    points = X[:12]
    J = geometry.input_jacobians(net, points)
    for mine, theirs in zip(J, reference.input_jacobians(twin, points)):
        np.testing.assert_allclose(mine, theirs, rtol=ROUNDING, atol=ROUNDING)
    h = 1e-6
    for k in range(1, 4):
        for d in range(2):
            step = np.zeros(2)
            step[d] = h
            up = reference.layer_activations(twin, points + step)[k]
            down = reference.layer_activations(twin, points - step)[k]
            central = (up - down) / (2 * h)
            if activation in ("relu", "prelu"):  # kinks: compare where no unit is within 2h of its kink
                zs, _ = twin._layers(points)
                safe = np.all(np.abs(np.hstack(zs[:k])) > 1e-3, axis=1)
                central, expected = central[safe], J[k][safe, :, d]
                assert safe.sum() >= 6
            else:
                expected = J[k][:, :, d]
            np.testing.assert_allclose(expected, central, atol=FINITE_DIFFERENCES, rtol=FINITE_DIFFERENCES)


def twin_of(net):
    return reference.MLP.from_params(net.parameters(), activation=net.activations[0][0])


def test_jacobian_spectrum_summarizes_the_singular_values(moons):
    X, y = moons
    net, _ = trained("sigmoid", X, y)
    spectrum = geometry.jacobian_spectrum(net, X)
    values = spectrum["singular_values"]
    assert [v.shape for v in values] == [(len(X), 2)] * 3
    # Independently of the SVD: the squared singular values of a k x 2 Jacobian J are
    # the eigenvalues of the 2 x 2 matrix J^T J, (t +- sqrt(t^2 - 4 d)) / 2.
    for J, sv in zip(reference.input_jacobians(twin_of(net), X), values):
        G = np.einsum("nki,nkj->nij", J, J)
        t, d = G[:, 0, 0] + G[:, 1, 1], G[:, 0, 0] * G[:, 1, 1] - G[:, 0, 1] ** 2
        root = np.sqrt(np.maximum(t * t - 4 * d, 0))
        np.testing.assert_allclose(sv[:, 0], np.sqrt((t + root) / 2), rtol=1e-9)
        np.testing.assert_allclose(sv[:, 1], np.sqrt(np.maximum((t - root) / 2, 0)), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(spectrum["log10_largest"], [np.median(np.log10(v[:, 0])) for v in values])
    # The input's Jacobian is the identity: both singular values 1.
    assert spectrum["log10_largest"][0] == 0.0 and spectrum["log10_smallest"][0] == 0.0


def test_linear_cka_is_the_kernel_reference(moons):
    X, y = moons
    net, twin = trained("relu", X, y)
    layers = geometry.layer_activations(net, X)
    for a in layers:
        for b in layers:
            assert abs(geometry.linear_cka(a, b) - reference.linear_cka(a, b)) < ROUNDING
    rotation = np.array([[0.6, -0.8], [0.8, 0.6]])
    assert abs(geometry.linear_cka(X, 5 * X @ rotation + 2) - 1) < ROUNDING
    profile = geometry.cka_profile(net, X)
    assert math.isnan(profile["to_previous"][0]) and profile["to_input"][0] == 1.0
    assert abs(profile["to_previous"][2] - reference.linear_cka(layers[1], layers[2])) < ROUNDING


def test_distance_rank_correlation_is_exact_on_few_rows_and_close_on_many(moons):
    X, y = moons
    net, twin = trained("sigmoid", X, y)
    layers = reference.layer_activations(twin, X)
    for layer in layers:
        exact = reference.distance_rank_correlation(X, layer)
        assert abs(geometry.distance_rank_correlation(X, layer) - exact) < ROUNDING
        # 5,000 sampled pairs of the 28,680: the estimate's standard error is ~0.01.
        assert abs(geometry.distance_rank_correlation(X, layer, max_pairs=5000, seed=1) - exact) < 0.05
    np.testing.assert_allclose(geometry.distance_order_kept(net, X),
                               [reference.distance_rank_correlation(X, a) for a in layers], atol=ROUNDING)


def test_distance_rank_correlation_on_many_rows_estimates_the_exact_value():
    X, _ = sm.make_moons(2000, noise=0.1, random_state=0)
    i, j = np.triu_indices(len(X), k=1)
    exact = np.corrcoef(np.argsort(np.argsort(np.linalg.norm(X[i] - X[j], axis=1))),
                        np.argsort(np.argsort(np.linalg.norm(X[i] ** 3 - X[j] ** 3, axis=1))))[0, 1]
    # 200,000 of the 2 million pairs (distinct distances: ranks without ties): a standard error of ~0.002.
    assert abs(geometry.distance_rank_correlation(X, X ** 3) - exact) < 0.01


def test_geometry_kept_is_the_renamed_measure(moons):
    X, y = moons
    net, _ = trained("relu", X, y)
    with pytest.warns(DeprecationWarning, match="distance_order_kept"):
        kept = net.geometry_kept(X)
    np.testing.assert_allclose(kept, geometry.distance_order_kept(net, X)[1:])


def test_measures_refuse_what_is_not_a_network(moons):
    X, y = moons
    with pytest.raises(TypeError, match="swiftmoons.MLP"):
        geometry.probe_accuracy(reference.MLP((2, 3, 1)), X, y)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        geometry.probe_accuracy(sm.MLP((2, 3, 1), seed=0), X, y + 1)


@pytest.mark.parametrize("call", [
    lambda net, X, y: geometry.probe_accuracy(net, X, y),
    lambda net, X, y: geometry.distance_carried(net, X, y),
    lambda net, X, y: geometry.saturation(net, X),
    lambda net, X, y: geometry.dead_units(net, X),
    lambda net, X, y: geometry.input_jacobians(net, X),
    lambda net, X, y: geometry.cka_profile(net, X),
    lambda net, X, y: geometry.distance_order_kept(net, X),
    lambda net, X, y: geometry.boundary_distance(net, X),
    lambda net, X, y: geometry.bayes_log_odds(X, 0.2),
    lambda net, X, y: geometry.logistic_fit(X, y),
    lambda net, X, y: geometry.ridge_fit(X, y),
    lambda net, X, y: geometry.linear_cka(X, X),
    lambda net, X, y: geometry.distance_rank_correlation(X, X),
])
def test_a_nan_in_X_is_refused_by_every_measure(moons, call):
    X, y = moons
    net, _ = trained("relu", X, y)
    bad = X.copy()
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match="must be finite; it holds nan at row 7"):
        call(net, bad, y)


def test_shapes_and_huge_coordinates_are_refused(moons):
    X, y = moons
    net, _ = trained("relu", X, y)
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        geometry.ridge_fit(X[:, 0], y)
    with pytest.raises(ValueError, match="within"):
        geometry.boundary_distance(net, X * 1e300)
    with pytest.raises(ValueError, match="box must be a pair"):
        geometry.boundary_distance(net, X, box=[0, 1, 2])


def test_one_point_is_measured_in_a_box_given(moons):
    X, y = moons
    net, _ = trained("relu", X, y)
    everyone = geometry.boundary_distance(net, X)
    alone = geometry.boundary_distance(net, X[:1], box=(X.min(axis=0) - 1, X.max(axis=0) + 1))
    assert abs(alone[0] - everyone[0]) < CONTOUR
