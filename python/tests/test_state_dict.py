"""The networks' weight accessors: parameters()/set_parameters() and
state_dict()/load_state_dict(), in swiftmoons and in the NumPy reference,
and the deprecated get_params()/set_params() they replace (issue 13: the old
names shadowed scikit-learn's meaning of get_params/set_params)."""

import warnings

import numpy as np
import pytest

import swiftmoons as sm
from swiftmoons import reference as ref

X = np.random.RandomState(7).randn(11, 2)

#: (constructor, layer sizes): plain, PReLU (slopes among the parameters), mixed activations, softmax.
NETWORKS = {
    "two_layer": lambda m: m.TwoLayerNet("relu", seed=3),
    "prelu": lambda m: m.MLP((2, 5, 4, 1), activation="prelu", seed=1),
    "mixed": lambda m: m.MLP((2, 6, 5, 3), activation=["tanh", "prelu"], output="softmax", seed=2),
}
NAMES = {
    "two_layer": ["W1", "b1", "W2", "b2", "W3", "b3"],
    "prelu": ["W1", "b1", "slopes1", "W2", "b2", "slopes2", "W3", "b3"],
    "mixed": ["W1", "b1", "W2", "b2", "slopes2", "W3", "b3"],
}
MODULES = {"swiftmoons": sm, "reference": ref}


@pytest.fixture(params=sorted(NETWORKS))
def kind(request):
    return request.param


@pytest.fixture(params=sorted(MODULES))
def module(request):
    return MODULES[request.param]


def make(module, kind):
    return NETWORKS[kind](module)


def same(a, b) -> bool:
    """Lists (or dicts) of arrays with the same dtype, shape and bits."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and same(list(a.values()), list(b.values()))
    return len(a) == len(b) and all(x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)
                                    for x, y in zip(a, b))


def old_get_params(net):
    """What get_params() gave before the rename, built from the per-layer accessors (native networks)."""
    out = []
    for k in range(1, net.n_layers + 1):
        out += [net.get_weights(k), net.get_biases(k).reshape(1, -1)]
        if k < net.n_layers and net.activations[k - 1][0] == "prelu":
            out.append(net.get_slopes(k).reshape(1, -1))
    return out


def quiet_get_params(net):
    with pytest.warns(DeprecationWarning):
        return net.get_params()


# ---- parameters() ----------------------------------------------------------------


def test_parameters_are_what_get_params_gave(kind):
    with make(sm, kind) as net:
        params = net.parameters()
        assert same(params, old_get_params(net))
        assert same(params, quiet_get_params(net))
        assert all(p.dtype == np.float64 and p.ndim == 2 for p in params)


def test_parameters_match_the_reference_network(kind):
    with make(sm, kind) as net:
        expected = make(ref, kind)
        assert net.param_names() == expected.param_names() == NAMES[kind]
        assert same(net.parameters(), expected.parameters())
        assert same(net.state_dict(), expected.state_dict())


def test_parameters_are_copies(module, kind):
    net = make(module, kind)
    params = net.parameters()
    before = [p.copy() for p in params]
    for p in params:
        p += 1.0
    for p in net.state_dict().values():
        p *= 0.0
    assert same(net.parameters(), before)


# ---- state_dict() ----------------------------------------------------------------


def test_state_dict_is_keyed_by_param_names_in_order(module, kind):
    net = make(module, kind)
    state = net.state_dict()
    assert type(state) is dict
    assert list(state) == net.param_names() == NAMES[kind]
    assert same(list(state.values()), net.parameters())


def test_load_state_dict_round_trip_gives_a_bit_identical_forward(module, kind):
    source = make(module, kind)
    source.train_step(X, np.zeros(len(X)) if kind != "mixed" else np.arange(len(X)) % 3, 0.05)
    target = make(module, kind)
    assert not np.array_equal(target.forward(X), source.forward(X))
    state = source.state_dict()
    target.load_state_dict(dict(reversed(list(state.items()))))  # the keys' order does not matter
    assert same(target.state_dict(), state)
    assert np.array_equal(target.forward(X), source.forward(X))


def test_load_state_dict_accepts_1d_biases_and_lists(module, kind):
    net = make(module, kind)
    state = {name: (p.ravel() if p.shape[0] == 1 else p).tolist() for name, p in net.state_dict().items()}
    state["b1"] = [0.25] * len(state["b1"])
    net.load_state_dict(state)
    assert np.array_equal(net.state_dict()["b1"], np.full((1, len(state["b1"])), 0.25))


@pytest.mark.parametrize("change, message", [
    (lambda s: s.pop("b1"), r"missing \['b1'\]"),
    (lambda s: s.update(W9=np.zeros((1, 1))), r"unexpected \['W9'\]"),
    (lambda s: s.update(w1=s.pop("W1")), r"missing \['W1'\]; unexpected \['w1'\]"),
    (lambda s: s.update({0: np.zeros(1)}), r"unexpected \[0\]"),
    (lambda s: s.clear(), r"missing \['W1', 'b1'"),
])
def test_a_wrong_key_raises_naming_it_and_changes_nothing(module, kind, change, message):
    net = make(module, kind)
    before = net.parameters()
    state = {name: np.zeros_like(p) for name, p in net.state_dict().items()}
    change(state)
    with pytest.raises(ValueError, match=message):
        net.load_state_dict(state)
    assert same(net.parameters(), before)


@pytest.mark.parametrize("name", ["W1", "b2", "W3"])
def test_a_wrong_shape_raises_and_changes_nothing(module, kind, name):
    net = make(module, kind)
    before = net.parameters()
    state = {n: np.zeros_like(p) for n, p in net.state_dict().items()}  # all valid but the one
    state[name] = np.zeros((state[name].shape[0] + 1, state[name].shape[1]))
    with pytest.raises(ValueError, match=f"{name} must have shape"):
        net.load_state_dict(state)
    assert same(net.parameters(), before)
    with pytest.raises(ValueError, match=f"{name} must have shape"):
        net.set_parameters(list(state.values()))
    assert same(net.parameters(), before)


def test_a_wrong_shape_for_the_slopes_changes_nothing(module):
    net = make(module, "prelu")
    before = net.parameters()
    state = {n: np.zeros_like(p) for n, p in net.state_dict().items()}
    state["slopes2"] = np.zeros((1, 9))
    with pytest.raises(ValueError, match="slopes2 must have shape"):
        net.load_state_dict(state)
    assert same(net.parameters(), before)


@pytest.mark.parametrize("state", [None, "abc", 5, [], [("W1", np.zeros((2, 8)))]])
def test_load_state_dict_wants_a_mapping(state):
    with sm.TwoLayerNet("relu", seed=0) as net:
        before = net.parameters()
        with pytest.raises(TypeError, match="state must be a mapping"):
            net.load_state_dict(state)
        with pytest.raises(TypeError, match="state must be a mapping"):
            net.load_state_dict(net.parameters())
        assert same(net.parameters(), before)


def test_a_closed_network_refuses_every_accessor():
    net = sm.TwoLayerNet("relu", seed=0)
    state, params = net.state_dict(), net.parameters()
    net.close()
    for call in (net.parameters, net.state_dict, lambda: net.set_parameters(params),
                 lambda: net.load_state_dict(state)):
        with pytest.raises(ValueError, match="closed"):
            call()


# ---- set_parameters() ----------------------------------------------------------


def test_set_parameters_round_trip(module, kind):
    source, target = make(module, kind), make(module, kind)
    changed = [p * 0.5 + 0.125 for p in source.parameters()]
    target.set_parameters(changed)
    assert same(target.parameters(), changed)
    source.set_parameters(tuple(changed))
    assert np.array_equal(target.forward(X), source.forward(X))


def test_set_parameters_with_the_wrong_number_changes_nothing(module, kind):
    net = make(module, kind)
    before = net.parameters()
    with pytest.raises(ValueError, match=f"Expected {len(before)} arrays"):
        net.set_parameters(before[:-1])
    with pytest.raises(ValueError, match=f"Expected {len(before)} arrays"):
        net.set_parameters(before + [np.zeros((1, 1))])
    assert same(net.parameters(), before)


# ---- the deprecated aliases ------------------------------------------------------


def test_get_params_warns_and_returns_the_parameters(module, kind):
    net = make(module, kind)
    cls = type(net).__name__
    with pytest.warns(DeprecationWarning,
                      match=rf"^{cls}\.get_params\(\) is deprecated and will be removed in swiftmoons 0\.3; "
                            r"use parameters\(\) \(or state_dict\(\)\)$") as caught:
        old = net.get_params()
    assert len(caught) == 1 and caught[0].filename == __file__  # stacklevel=2: the caller's line
    assert same(old, net.parameters())


def test_the_reference_get_params_still_gives_the_live_arrays():
    """What it always did (its own training updates them in place); parameters() gives copies."""
    net = ref.TwoLayerNet("relu", seed=0)
    live = quiet_get_params(net)
    assert live[0] is net.weights[0] and live[1] is net.biases[0]
    assert net.parameters()[0] is not net.weights[0]


def test_set_params_warns_and_sets_the_parameters():
    with sm.MLP((2, 5, 4, 1), activation="prelu", seed=1) as net, \
            sm.MLP((2, 5, 4, 1), activation="prelu", seed=2) as other:
        with pytest.warns(DeprecationWarning,
                          match=r"^MLP\.set_params\(\) is deprecated and will be removed in swiftmoons 0\.3; "
                                r"use set_parameters\(\) \(or load_state_dict\(\)\)$") as caught:
            assert net.set_params(other.parameters()) is None
        assert len(caught) == 1 and caught[0].filename == __file__
        assert same(net.parameters(), other.parameters())


def test_set_params_still_refuses_what_it_refused_and_changes_nothing():
    with sm.TwoLayerNet("relu", seed=0) as net:
        before = net.parameters()
        with pytest.warns(DeprecationWarning, match=r"TwoLayerNet\.set_params\(\) is deprecated"):
            with pytest.raises(ValueError, match="W1 must have shape"):
                net.set_params([np.zeros((8, 2))] + before[1:])
        with pytest.warns(DeprecationWarning), pytest.raises(TypeError):
            net.set_params(None)
        assert same(net.parameters(), before)


def test_the_new_names_do_not_warn(module, kind):
    net = make(module, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.load_state_dict(net.state_dict())
        net.set_parameters(net.parameters())
        net.param_names()


def test_the_estimators_keep_scikit_learns_get_params():
    """swiftmoons.sklearn's get_params/set_params are scikit-learn's hyper-parameter methods: untouched."""
    pytest.importorskip("sklearn")
    from swiftmoons.sklearn import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert clf.get_params()["hidden_layer_sizes"] == (4,)
        assert clf.set_params(max_iter=5) is clf and clf.max_iter == 5
