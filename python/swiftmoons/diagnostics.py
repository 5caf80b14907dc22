"""Measures of what a network's layers do to their inputs."""

from __future__ import annotations

import numpy as np


def pairwise_distances(X) -> np.ndarray:
    """Euclidean distances between all pairs of rows (i < j), as a flat array."""
    X = np.asarray(X, dtype=np.float64)
    i, j = np.triu_indices(len(X), k=1)
    return np.sqrt(((X[i] - X[j]) ** 2).sum(axis=1))


def average_ranks(values) -> np.ndarray:
    """Ranks 1..n, ties sharing the mean of their ranks (as scipy.stats.rankdata)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    # Runs of equal values get the average of the positions they span.
    new_run = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    starts = np.flatnonzero(new_run)
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = ((starts + ends + 1) / 2)[np.cumsum(new_run) - 1]
    return ranks


def spearman(a, b) -> float:
    """Spearman's rank correlation of two equal-length samples (NaN if one is constant)."""
    ra, rb = average_ranks(a), average_ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    denominator = np.sqrt((ra * ra).sum() * (rb * rb).sum())
    return float((ra * rb).sum() / denominator) if denominator > 0 else float("nan")


def distance_rank_correlation(X, H) -> float:
    """How much of the inputs' geometry a representation keeps: the Spearman
    correlation between the pairwise distances of the rows of X and of H."""
    return spearman(pairwise_distances(X), pairwise_distances(H))
