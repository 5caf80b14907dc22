/* Exercises include/swiftmoons.h against libswiftmoons.so: every call that a
 * caller can get wrong returns its status and message instead of crashing.
 * Prints "N passed, N failed" and, with --values, numbers for the Python
 * tests to compare against NumPy. */
#include "swiftmoons.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed = 0, failed = 0;

#define CHECK(cond, what)                                                        \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            fprintf(stderr, "FAIL %s:%d: %s (last error: %s)\n", __FILE__,        \
                    __LINE__, what, sm_last_error());                            \
        }                                                                        \
    } while (0)

/* A call must fail with `status` and leave a non-empty message. */
#define EXPECT_STATUS(call, status)                                              \
    do {                                                                         \
        int got_ = (call);                                                       \
        CHECK(got_ == (status) && strlen(sm_last_error()) > 0, #call " -> " #status); \
    } while (0)

static const int64_t SIZES[] = {2, 8, 8, 1};

static void test_version(void) {
    CHECK(sm_version_number() == SM_VERSION_NUMBER, "runtime version equals header version");
    CHECK(strcmp(sm_version_string(), SM_VERSION_STRING) == 0, "version string");
    CHECK(strcmp(sm_status_name(SM_ERR_BAD_SHAPE), "SM_ERR_BAD_SHAPE") == 0, "status names");
    /* The Makefile runs this test against each build it made and says which. */
    const char *variant = sm_build_variant(), *expected = getenv("SM_EXPECT_VARIANT");
    CHECK(strcmp(variant, "baseline") == 0 || strcmp(variant, "avx2") == 0 || strcmp(variant, "avx512") == 0,
          "build variant is baseline, avx2 or avx512");
    CHECK(expected == NULL || strcmp(variant, expected) == 0, "build variant is the one under test");
    printf("build variant: %s\n", variant);
}

static void test_rng(void) {
    sm_rng *rng = NULL;
    EXPECT_STATUS(sm_rng_create(-1, &rng), SM_ERR_BAD_ARGUMENT);
    CHECK(rng == NULL, "failed create leaves out NULL");
    EXPECT_STATUS(sm_rng_create(4294967296LL, &rng), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_rng_create(1, NULL), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_rng_create(4294967295LL, &rng) == SM_OK && rng != NULL, "create with the largest seed");
    CHECK(sm_rng_free(rng) == SM_OK, "free");
    EXPECT_STATUS(sm_rng_free(rng), SM_ERR_INVALID_HANDLE);       /* double free */
    CHECK(sm_rng_free(NULL) == SM_OK, "free(NULL) does nothing");

    double buf[8];
    EXPECT_STATUS(sm_rng_randn(rng, buf, 8), SM_ERR_INVALID_HANDLE); /* freed */
    EXPECT_STATUS(sm_rng_randn(NULL, buf, 8), SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_rng_randn((sm_rng *)(uintptr_t)0x1234, buf, 8), SM_ERR_INVALID_HANDLE);

    CHECK(sm_rng_create(42, &rng) == SM_OK, "create(42)");
    EXPECT_STATUS(sm_rng_randn(rng, NULL, 8), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_rng_randn(rng, buf, -1), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_rng_normal(rng, 0.0, -1.0, buf, 8), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_rng_normal(rng, NAN, 1.0, buf, 8), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_rng_seed(rng, -5), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_rng_randn(rng, buf, 0) == SM_OK, "zero draws are fine");

    uint32_t key[624];
    int64_t pos; int32_t has; double cached;
    EXPECT_STATUS(sm_rng_get_state(rng, key, 10, &pos, &has, &cached), SM_ERR_BAD_SHAPE);
    CHECK(sm_rng_get_state(rng, key, 624, &pos, &has, &cached) == SM_OK && pos == 624 && has == 0,
          "fresh state: pos 624, no cached Gaussian");
    EXPECT_STATUS(sm_rng_set_state(rng, key, 624, 625, 0, 0.0), SM_ERR_BAD_ARGUMENT);

    int64_t perm[100];
    int seen[100] = {0}, ok = 1;
    CHECK(sm_rng_permutation(rng, perm, 100) == SM_OK, "permutation");
    for (int i = 0; i < 100; i++) {
        if (perm[i] < 0 || perm[i] >= 100 || seen[perm[i]]++) ok = 0;
    }
    CHECK(ok, "permutation holds each index once");
    sm_rng_free(rng);
}

static void test_data(void) {
    sm_rng *rng = NULL;
    sm_rng_create(42, &rng);
    double x[20];
    int64_t y[10];
    EXPECT_STATUS(sm_make_moons(rng, 0, 0, 1, 1, 0.1, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_moons(rng, -1, 5, 1, 1, 0.1, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_moons(rng, 5, 5, 1, 1, -0.1, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_moons(rng, 5, 5, 1, 1, 0.1, NULL, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_moons(NULL, 5, 5, 1, 1, 0.1, x, y), SM_ERR_INVALID_HANDLE);
    CHECK(sm_make_moons(rng, 5, 5, 1, 1, 0.1, x, y) == SM_OK, "make_moons(10)");

    /* make_circles: the outer circle has radius 1, the inner `factor`. */
    EXPECT_STATUS(sm_make_circles(rng, 5, 5, 1, 0, 0.0, 1.0, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_circles(rng, 5, 5, 1, 0, 0.0, NAN, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_circles(rng, 5, 5, 1, 1, INFINITY, 0.5, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_circles(NULL, 5, 5, 1, 0, 0.0, 0.5, x, y), SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_make_circles(rng, 5, 5, 1, 0, 0.0, 0.5, x, NULL), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_make_circles(rng, 5, 5, 0, 0, 0.0, 0.5, x, y) == SM_OK && x[0] == 1.0 && x[1] == 0.0 &&
          x[10] == 0.5 && y[4] == 0 && y[5] == 1, "make_circles(5, 5) unshuffled starts at angle 0 on each circle");

    /* make_xor and make_spiral. */
    EXPECT_STATUS(sm_make_xor(rng, 10, 0, 0.0, -0.5, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_xor(rng, 0, 0, 0.0, 0.1, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_xor(NULL, 10, 0, 0.0, 0.1, x, y), SM_ERR_INVALID_HANDLE);
    CHECK(sm_make_xor(rng, 10, 0, 0.0, 0.1, x, y) == SM_OK && (x[0] * x[1] > 0) == (y[0] == 1) &&
          fabs(x[0]) >= 0.1, "make_xor labels the quadrants");
    EXPECT_STATUS(sm_make_spiral(rng, 5, 5, 1, 1, NAN, x, y), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_spiral(rng, 5, 5, 1, 0, 0.0, NULL, y), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_make_spiral(rng, 5, 5, 0, 0, 0.0, x, y) == SM_OK && x[0] == 0.0 && x[1] == 0.0 && y[5] == 1,
          "make_spiral(5, 5) unshuffled starts at the centre");

    /* make_blobs: a refused call leaves the stream where it was. */
    int64_t counts[2] = {4, 6};
    double centers[4] = {0, 0, 10, 10}, stds[2] = {1, 1}, bad_stds[2] = {1, -1};
    uint32_t key_before[624], key_after[624];
    int64_t pos_before = 0, pos_after = 0;
    int32_t has_gauss = 0;
    double gauss = 0;
    sm_rng_get_state(rng, key_before, 624, &pos_before, &has_gauss, &gauss);
    EXPECT_STATUS(sm_make_blobs(rng, counts, 2, 2, centers, 0, bad_stds, -10, 10, 1, x, 20, y, 10), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_blobs(rng, counts, 2, 2, centers, 0, stds, -10, 10, 1, x, 18, y, 9), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_make_blobs(rng, counts, 2, 2, centers, 0, stds, -10, 10, 1, x, 20, y, 9), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_make_blobs(rng, NULL, 2, 2, centers, 0, stds, -10, 10, 1, x, 20, y, 10), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_make_blobs(rng, counts, 0, 2, centers, 0, stds, -10, 10, 1, x, 20, y, 10), SM_ERR_BAD_ARGUMENT);
    sm_rng_get_state(rng, key_after, 624, &pos_after, &has_gauss, &gauss);
    CHECK(pos_before == pos_after && memcmp(key_before, key_after, sizeof key_before) == 0,
          "refused make_blobs calls draw nothing");
    CHECK(sm_make_blobs(rng, counts, 2, 2, centers, 1, stds, 0, 0, 0, x, 20, y, 10) == SM_OK && y[3] == 0 &&
          y[4] == 1 && x[8] > 5 && x[0] < 5 && centers[2] == 10, "make_blobs around given centers");

    double out[20], mean[2], scale[2];
    EXPECT_STATUS(sm_standardize(x, 0, 2, out, mean, scale), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_standardize(NULL, 10, 2, out, mean, scale), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_standardize(x, 10, 2, out, NULL, NULL) == SM_OK, "standardize without stats");
    double nan_x[4] = {1, NAN, 2, 3};
    EXPECT_STATUS(sm_standardize(nan_x, 2, 2, out, mean, scale), SM_ERR_BAD_ARGUMENT);

    int64_t n_test = 0;
    CHECK(sm_split_test_count(400, 0.25, &n_test) == SM_OK && n_test == 100, "ceil(0.25 * 400) = 100");
    CHECK(sm_split_test_count(5, 0.25, &n_test) == SM_OK && n_test == 2, "ceil(0.25 * 5) = 2");
    EXPECT_STATUS(sm_split_test_count(5, 0.0, &n_test), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_split_test_count(5, 5.0, &n_test), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_split_test_count(5, NAN, &n_test), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_split_test_count(0, 0.25, &n_test), SM_ERR_BAD_ARGUMENT);
    int64_t test[3], train[7];
    EXPECT_STATUS(sm_split_indices(rng, 10, 10, test, train), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_split_indices(rng, 10, 3, test, train) == SM_OK, "split 10 into 3 + 7");
    sm_rng_free(rng);
}

static void test_network(void) {
    sm_net *net = NULL;
    const int64_t bad_sizes[] = {2, 0, 1};
    EXPECT_STATUS(sm_net_create(SIZES, 4, "tanhh", 0, &net), SM_ERR_BAD_ARGUMENT);
    CHECK(strstr(sm_last_error(), "relu") != NULL, "unknown activation lists the valid ones");
    EXPECT_STATUS(sm_net_create(SIZES, 4, NULL, 0, &net), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_create(NULL, 4, "relu", 0, &net), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_create(SIZES, 1, "relu", 0, &net), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_create(SIZES, 0, "relu", 0, &net), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_create(bad_sizes, 3, "relu", 0, &net), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_create(SIZES, 4, "relu", -1, &net), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_create(SIZES, 4, "relu", 0, NULL), SM_ERR_BAD_ARGUMENT);
    const int64_t huge[] = {2, 2000000000, 2000000000, 1};
    EXPECT_STATUS(sm_net_create(huge, 4, "relu", 0, &net), SM_ERR_OUT_OF_MEMORY);
    CHECK(net == NULL, "failed creates leave out NULL");
    CHECK(sm_net_create(SIZES, 4, "relu", 42, &net) == SM_OK, "create 2-8-8-1 relu");

    int64_t count = 0, sizes[4];
    CHECK(sm_net_param_count(net, &count) == SM_OK && count == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1, "param count 105");
    EXPECT_STATUS(sm_net_layer_sizes(net, sizes, 3), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_layer_sizes(net, sizes, 4) == SM_OK && sizes[1] == 8, "layer sizes");
    const char *name = NULL;
    CHECK(sm_net_activation(net, &name) == SM_OK && strcmp(name, "relu") == 0, "activation name");

    double params[105], before[105], after[105];
    CHECK(sm_net_get_params(net, before, 105) == SM_OK, "get params");
    EXPECT_STATUS(sm_net_get_params(net, params, 104), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_set_params(net, params, 104), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_set_params(net, NULL, 105), SM_ERR_BAD_ARGUMENT);
    double w1[16];
    EXPECT_STATUS(sm_net_get_weights(net, 0, w1, 16), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_get_weights(net, 4, w1, 16), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_set_weights(net, 1, w1, 15), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_set_biases(net, 1, w1, 7), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_get_weights(net, 1, w1, 16) == SM_OK && w1[0] == before[0], "W1 leads the flat parameters");

    double x[8] = {0.5, -1.0, 1.5, 0.2, -0.3, 0.8, 2.0, -2.0}, y[4] = {1, 0, 1, 0}, out[4], loss = 0;
    EXPECT_STATUS(sm_net_forward(net, x, 0, 2, out, 0, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_forward(net, x, -3, 2, out, 4, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_forward(net, x, 4, 3, out, 4, NULL), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_forward(net, x, 4, 2, out, 3, NULL), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_forward(net, NULL, 4, 2, out, 4, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_forward(net, x, 4, 2, NULL, 4, NULL), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_net_forward(net, x, 4, 2, out, 4, NULL) == SM_OK && out[0] > 0 && out[0] < 1, "forward");

    EXPECT_STATUS(sm_net_train_step(net, x, 4, 2, y, 4, NAN, &loss), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_train_step(net, x, 4, 2, y, 4, INFINITY, &loss), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_train_step(net, x, 4, 2, y, 3, 0.05, &loss), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_train_step(net, x, 4, 2, NULL, 4, 0.05, &loss), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_train_step(net, x, 4, 2, y, 4, 0.05, NULL), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_net_get_params(net, after, 105) == SM_OK && memcmp(before, after, sizeof before) == 0,
          "failed calls leave the network unchanged");
    double first = 0, last = 0;
    for (int i = 0; i < 200; i++) {
        CHECK(sm_net_train_step(net, x, 4, 2, y, 4, 0.05, &loss) == SM_OK, "train step");
        if (i == 0) first = loss;
        last = loss;
    }
    CHECK(last < first, "training on one batch lowers its loss");

    double hidden[32], trace[20];
    int64_t tlen = 0;
    EXPECT_STATUS(sm_net_hidden(net, 0, x, 4, 2, hidden, 32), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_hidden(net, 3, x, 4, 2, hidden, 32), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_net_hidden(net, 2, x, 4, 2, hidden, 32) == SM_OK, "hidden layer 2");
    EXPECT_STATUS(sm_net_pre_activation(net, 0, x, 4, 2, hidden, 32), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_pre_activation(net, 4, x, 4, 2, hidden, 32), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_pre_activation(net, 1, x, 4, 2, hidden, 31), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_pre_activation(net, 3, x, 4, 2, hidden, 4) == SM_OK
          && sm_net_forward(net, x, 4, 2, out, 4, NULL) == SM_OK
          && fabs(out[3] - 1.0 / (1.0 + exp(-hidden[3]))) < 1e-12, "the output layer's logits give its output");
    CHECK(sm_net_trace_length(net, &tlen) == SM_OK && tlen == 5, "trace length 5");
    EXPECT_STATUS(sm_net_trace(net, x, 4, 2, 1, trace, 5), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_trace(net, x, 4, 2, 1, trace, 20) == SM_OK, "per-sample trace");
    CHECK(sm_net_trace(net, x, 4, 2, 0, trace, 5) == SM_OK && trace[1] >= 0, "batch trace");

    sm_rng *rng = NULL;
    sm_rng_create(7, &rng);
    EXPECT_STATUS(sm_net_forward((sm_net *)rng, x, 4, 2, out, 4, NULL), SM_ERR_INVALID_HANDLE);
    sm_net *other = NULL;
    EXPECT_STATUS(sm_net_create_with_rng(SIZES, 4, "relu", (sm_rng *)net, &other), SM_ERR_INVALID_HANDLE);
    sm_net *drawn = NULL;
    CHECK(sm_net_create_with_rng(SIZES, 4, "sigmoid", rng, &drawn) == SM_OK, "create from a stream");
    double p[105];
    EXPECT_STATUS(sm_net_create_from_params(SIZES, 4, "relu", p, 100, &drawn), SM_ERR_BAD_SHAPE);
    sm_net_free(drawn);
    sm_rng_free(rng);

    CHECK(sm_net_free(net) == SM_OK, "free");
    EXPECT_STATUS(sm_net_forward(net, x, 4, 2, out, 4, NULL), SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_net_free(net), SM_ERR_INVALID_HANDLE);
    CHECK(sm_net_free(NULL) == SM_OK, "free(NULL) does nothing");
}

static void test_training(void) {
    sm_net *a = NULL, *b = NULL;
    sm_rng *rng = NULL;
    sm_net_create(SIZES, 4, "relu", 1, &a);
    sm_net_create(SIZES, 4, "sigmoid", 1, &b);
    sm_rng_create(3, &rng);
    double x[20], y[10], losses[6], before[105], after[105];
    int64_t labels[10];
    sm_make_moons(rng, 5, 5, 1, 1, 0.1, x, labels);
    for (int i = 0; i < 10; i++) y[i] = (double)labels[i];
    sm_net_get_params(a, before, 105);

    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 0, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 0, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 0, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, NAN, 4, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 9, 3, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 2, NULL), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, NULL, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, rng, -1, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, rng, 1, 0, NULL, 4, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    y[3] = 7;
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    y[3] = -0.5;
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, -0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    y[3] = (double)labels[3];
    double saved = x[5];
    x[5] = NAN;
    EXPECT_STATUS(sm_net_fit(a, x, 10, 2, y, 10, 3, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 3, NULL), SM_ERR_BAD_ARGUMENT);
    x[5] = saved;
    sm_net *twice[2] = {a, a};
    EXPECT_STATUS(sm_train_together(twice, 2, x, 10, 2, y, 10, 3, 0.1, 4, rng, 0, 0, NULL, 0, NULL, losses, 6, NULL),
                  SM_ERR_BAD_ARGUMENT);
    sm_net_get_params(a, after, 105);
    CHECK(memcmp(before, after, sizeof before) == 0, "rejected fits leave the network unchanged");

    sm_net *both[2] = {a, b};
    CHECK(sm_train_together(both, 2, x, 10, 2, y, 10, 3, 0.1, 4, rng, 2, 1, x, 10, y, losses, 6, NULL) == SM_OK,
          "train two networks together, recording");
    CHECK(losses[0] > 0 && losses[3] > 0, "both loss histories filled");
    int64_t count = 0, epochs[2];
    int32_t has = 0;
    double eval_loss[2], eval_acc[2], snapshots[210];
    CHECK(sm_net_record_count(a, &count, &has) == SM_OK && count == 2 && has == 1, "records after epochs 2 and 3");
    CHECK(sm_net_records(a, epochs, eval_loss, eval_acc, 2) == SM_OK && epochs[0] == 2 && epochs[1] == 3,
          "record epochs");
    EXPECT_STATUS(sm_net_recorded_params(a, snapshots, 105), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_recorded_params(a, snapshots, 210) == SM_OK, "recorded parameters");
    CHECK(sm_net_clear_records(a) == SM_OK && sm_net_record_count(a, &count, &has) == SM_OK && count == 0,
          "records cleared");
    sm_net_free(a);
    sm_net_free(b);
    sm_rng_free(rng);
}

static void test_mlp(void) {
    sm_rng *rng = NULL;
    sm_net *net = NULL;
    sm_rng_create(1, &rng);
    const int64_t sizes[] = {3, 5, 4, 2};
    const char *acts[] = {"prelu", "gelu"};
    const char *bad_acts[] = {"prelu", "softsign"};
    double alphas[] = {0.2, NAN};
    EXPECT_STATUS(sm_mlp_create(sizes, 4, bad_acts, NULL, 2, "softmax", "auto", 0, 0.0, 0.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT);
    CHECK(strstr(sm_last_error(), "gelu_tanh") != NULL, "unknown activation lists the valid ones");
    const char *three[] = {"relu", "relu", "relu"};
    EXPECT_STATUS(sm_mlp_create(sizes, 4, three, NULL, 3, "softmax", "auto", 0, 0.0, 0.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT); /* 3 activations for 2 hidden layers */
    EXPECT_STATUS(sm_mlp_create(sizes, 4, acts, alphas, 2, "softmax", "lecun", 0, 0.0, 0.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_mlp_create(sizes, 4, acts, alphas, 2, "tanh", "auto", 0, 0.0, 0.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_mlp_create(sizes, 4, acts, alphas, 2, "softmax", "auto", 2, 0.0, 0.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_mlp_create(sizes, 4, acts, alphas, 2, "softmax", "auto", 1, 0.0, -1.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_mlp_create(sizes, 4, NULL, alphas, 2, "softmax", "auto", 0, 0.0, 0.0, rng, &net),
                  SM_ERR_BAD_ARGUMENT);
    uint32_t key_before[624], key_after[624];
    int64_t pos_before, pos_after; int32_t has; double cached;
    sm_rng_get_state(rng, key_before, 624, &pos_before, &has, &cached);
    CHECK(pos_before == 624, "failed creates drew nothing from the stream");
    CHECK(sm_mlp_create(sizes, 4, acts, alphas, 2, "softmax", "glorot_uniform", 1, 0.0, 0.1, rng, &net) == SM_OK,
          "create a 3-5-4-2 prelu/gelu softmax network");
    sm_rng_get_state(rng, key_after, 624, &pos_after, &has, &cached);
    CHECK(pos_after != pos_before, "creation drew from the stream");

    const char *name = NULL;
    double alpha = 0;
    int64_t width = 0;
    CHECK(sm_net_hidden_activation(net, 1, &name, &alpha) == SM_OK && strcmp(name, "prelu") == 0 && alpha == 0.2,
          "hidden activation 1");
    EXPECT_STATUS(sm_net_hidden_activation(net, 3, &name, &alpha), SM_ERR_BAD_ARGUMENT);
    CHECK(sm_net_output(net, &name, &width) == SM_OK && strcmp(name, "softmax") == 0 && width == 1,
          "softmax targets are one class index per sample");
    double slopes[5];
    CHECK(sm_net_get_slopes(net, 1, slopes, 5) == SM_OK && slopes[0] == 0.2, "prelu slopes start at alpha");
    EXPECT_STATUS(sm_net_get_slopes(net, 2, slopes, 4), SM_ERR_BAD_ARGUMENT); /* gelu has none */

    double x[12] = {0.1, 0.2, 0.3, -0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0, -1.1, 1.2};
    double labels[4] = {0, 1, 1, 0}, bad_labels[4] = {0, 1, 2, 0}, loss = 0, accuracy = 0, out[8];
    int64_t count = 0;
    sm_net_param_count(net, &count);
    double *grads = malloc((size_t)count * sizeof(double));
    EXPECT_STATUS(sm_net_train_step(net, x, 4, 3, bad_labels, 4, 0.1, &loss), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_gradients(net, x, 4, 3, labels, 4, &loss, grads, count - 1), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_gradients(net, x, 4, 3, labels, 4, &loss, grads, count) == SM_OK && loss > 0, "gradients");
    CHECK(sm_net_evaluate(net, x, 4, 3, labels, 4, &loss, &accuracy) == SM_OK && accuracy >= 0 && accuracy <= 1,
          "evaluate");
    CHECK(sm_net_forward(net, x, 4, 3, out, 8, NULL) == SM_OK && fabs(out[0] + out[1] - 1.0) < 1e-15,
          "softmax rows sum to 1");
    int64_t firing[9];
    EXPECT_STATUS(sm_net_firing_counts(net, x, 4, 3, firing, 8), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_firing_counts(net, x, 4, 3, firing, 9) == SM_OK && firing[0] >= 0 && firing[0] <= 4,
          "firing counts per hidden unit");
    free(grads);
    sm_net_free(net);
    sm_rng_free(rng);

    int n = sm_activation_count();
    CHECK(n == 11, "eleven activation kinds");
    double default_alpha = 0;
    CHECK(sm_activation_info(4, &name, &default_alpha) == SM_OK && strcmp(name, "leaky_relu") == 0 &&
          default_alpha == 0.01, "leaky_relu's default slope");
    EXPECT_STATUS(sm_activation_info(n, &name, &default_alpha), SM_ERR_BAD_ARGUMENT);
    double zs[3] = {-1000.0, 0.0, 1000.0}, values[3];
    CHECK(sm_activation_evaluate("sigmoid", NAN, 1, zs, values, 3) == SM_OK && values[1] == 0.25,
          "sigmoid'(0) = 0.25");
    for (int i = 0; i < n; i++) {
        sm_activation_info(i, &name, &default_alpha);
        int ok = sm_activation_evaluate(name, NAN, 0, zs, values, 3) == SM_OK;
        ok = ok && sm_activation_evaluate(name, NAN, 1, zs, values + 0, 3) == SM_OK;
        CHECK(ok && isfinite(values[0]) && isfinite(values[2]), name);
    }
    EXPECT_STATUS(sm_activation_evaluate("relu", 0.5, 0, zs, values, 3), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_activation_evaluate("silly", NAN, 0, zs, values, 3), SM_ERR_BAD_ARGUMENT);
    /* The output kinds and initializers, listed as the constructors take them. */
    const char *outputs[] = {"sigmoid", "softmax", "identity"};
    CHECK(sm_output_count() == 3, "three output kinds");
    for (int i = 0; i < 3; i++) {
        CHECK(sm_output_name(i, &name) == SM_OK && strcmp(name, outputs[i]) == 0, outputs[i]);
    }
    EXPECT_STATUS(sm_output_name(3, &name), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_output_name(-1, &name), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_output_name(0, NULL), SM_ERR_BAD_ARGUMENT);
    const char *inits[] = {"auto", "he", "xavier", "glorot_uniform"};
    CHECK(sm_initializer_count() == 4, "four initializers");
    for (int i = 0; i < 4; i++) {
        CHECK(sm_initializer_name(i, &name) == SM_OK && strcmp(name, inits[i]) == 0, inits[i]);
    }
    EXPECT_STATUS(sm_initializer_name(4, &name), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_initializer_name(0, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_activation_evaluate("relu", NAN, 0, NULL, values, 3), SM_ERR_BAD_ARGUMENT);
}

/* Values for python/tests to compare with NumPy and scikit-learn. */
static void print_values(void) {
    sm_rng *rng = NULL;
    double v[7];
    sm_rng_create(42, &rng);
    sm_rng_randn(rng, v, 7);
    printf("randn42");
    for (int i = 0; i < 7; i++) printf(" %.17g", v[i]);
    printf("\n");
    sm_rng_free(rng);

    sm_net *net = NULL;
    double x[2] = {0.3, -0.7}, out[1];
    sm_net_create(SIZES, 4, "sigmoid", 42, &net);
    sm_net_forward(net, x, 1, 2, out, 1, NULL);
    printf("forward_sigmoid42 %.17g\n", out[0]);
    sm_net_free(net);
}


/* Handles are never reused: every freed handle stays invalid however many
 * objects are made after it, for each type, and a handle of one type is
 * never taken for another. */
enum { CYCLES = 5000 };

static void test_stale_handles(void) {
    static sm_rng *freed_rngs[CYCLES];
    static sm_net *freed_nets[CYCLES];
    int64_t live_before = sm_live_object_count();
    for (int i = 0; i < CYCLES; i++) {
        sm_rng_create((int64_t)i, &freed_rngs[i]);
        sm_rng_free(freed_rngs[i]);
        sm_net_create(SIZES, 4, "relu", i, &freed_nets[i]);
        sm_net_free(freed_nets[i]);
    }
    /* As many live objects again, so that any reuse would show. */
    static sm_rng *live_rngs[CYCLES];
    static sm_net *live_nets[CYCLES];
    for (int i = 0; i < CYCLES; i++) {
        sm_rng_create((int64_t)i, &live_rngs[i]);
        sm_net_create(SIZES, 4, "sigmoid", i, &live_nets[i]);
    }
    int stale_ok = 0, reused = 0, cross_ok = 0;
    double draw[1], x[2] = {0.5, -0.5}, out[1];
    for (int i = 0; i < CYCLES; i++) {
        if (sm_rng_randn(freed_rngs[i], draw, 1) != SM_ERR_INVALID_HANDLE) stale_ok++;
        if (sm_net_forward(freed_nets[i], x, 1, 2, out, 1, NULL) != SM_ERR_INVALID_HANDLE) stale_ok++;
        if (sm_rng_free(freed_rngs[i]) != SM_ERR_INVALID_HANDLE) stale_ok++;
        if (sm_net_free(freed_nets[i]) != SM_ERR_INVALID_HANDLE) stale_ok++;
        for (int j = 0; j < 4 && j < CYCLES; j++) {
            if ((void *)freed_rngs[i] == (void *)live_rngs[(i + j) % CYCLES]) reused++;
        }
        if (sm_rng_randn((sm_rng *)live_nets[i], draw, 1) != SM_ERR_INVALID_HANDLE) cross_ok++;
        if (sm_net_forward((sm_net *)live_rngs[i], x, 1, 2, out, 1, NULL) != SM_ERR_INVALID_HANDLE) cross_ok++;
    }
    CHECK(stale_ok == 0, "every freed rng and net handle is invalid after 10000 new objects");
    CHECK(reused == 0, "no handle value comes back");
    CHECK(cross_ok == 0, "a handle of one type is invalid as the other");
    /* Forged values: small integers, an address on the stack, all ones. */
    EXPECT_STATUS(sm_rng_randn((sm_rng *)(uintptr_t)16, draw, 1), SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_rng_randn((sm_rng *)(void *)draw, draw, 1), SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_rng_randn((sm_rng *)(uintptr_t)UINTPTR_MAX, draw, 1), SM_ERR_INVALID_HANDLE);
    CHECK(sm_live_object_count() == live_before + 2 * CYCLES, "live objects counted");
    for (int i = 0; i < CYCLES; i++) {
        sm_rng_free(live_rngs[i]);
        sm_net_free(live_nets[i]);
    }
    CHECK(sm_live_object_count() == live_before, "every object freed");
}

/* Bad values never get in: a rejected call changes nothing. */
static void test_rejected_inputs(void) {
    sm_net *net = NULL;
    sm_net_create(SIZES, 4, "sigmoid", 0, &net);
    double before[105], after[105], loss = -1;
    sm_net_get_params(net, before, 105);
    double x[4] = {NAN, 0.0, 1.0, 2.0}, y[2] = {0, 1};
    EXPECT_STATUS(sm_net_train_step(net, x, 2, 2, y, 2, 0.1, &loss), SM_ERR_BAD_ARGUMENT);
    x[0] = INFINITY;
    EXPECT_STATUS(sm_net_train_step(net, x, 2, 2, y, 2, 0.1, &loss), SM_ERR_BAD_ARGUMENT);
    x[0] = 0.5;
    y[1] = 7;
    EXPECT_STATUS(sm_net_train_step(net, x, 2, 2, y, 2, 0.1, &loss), SM_ERR_BAD_ARGUMENT);
    double acc = 0;
    EXPECT_STATUS(sm_net_evaluate(net, x, 2, 2, y, 2, &loss, &acc), SM_ERR_BAD_ARGUMENT);
    y[1] = -3;
    EXPECT_STATUS(sm_net_train_step(net, x, 2, 2, y, 2, 0.1, &loss), SM_ERR_BAD_ARGUMENT);
    y[1] = 1;
    EXPECT_STATUS(sm_net_train_step(net, x, 2, 2, y, 2, -1.0, &loss), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_train_step(net, x, 2, 2, y, 2, NAN, &loss), SM_ERR_BAD_ARGUMENT);
    sm_net_get_params(net, after, 105);
    CHECK(memcmp(before, after, sizeof before) == 0, "rejected steps leave the network unchanged");
    CHECK(loss == -1, "rejected steps leave the loss output alone");
    y[1] = 0.25; /* soft labels are binary cross-entropy targets too */
    CHECK(sm_net_train_step(net, x, 2, 2, y, 2, 0.1, &loss) == SM_OK && loss > 0, "soft label accepted");

    /* A diverging network's loss is NaN (as NumPy's), never finite and negative. */
    for (int i = 0; i < 105; i++) before[i] = i % 2 ? 1e308 : -1e308;
    sm_net_set_params(net, before, 105);
    CHECK(sm_net_train_step(net, x, 2, 2, y, 2, 0.1, &loss) == SM_OK && !(loss < 0), "diverged loss is not negative");

    /* An MT19937 key of zeros would draw zeros forever. */
    sm_rng *rng = NULL;
    sm_rng_create(1, &rng);
    uint32_t key[624] = {0};
    EXPECT_STATUS(sm_rng_set_state(rng, key, 624, 624, 0, 0.0), SM_ERR_BAD_ARGUMENT);
    key[0] = 0x7fffffffu; /* the bits MT19937 ignores */
    EXPECT_STATUS(sm_rng_set_state(rng, key, 624, 624, 0, 0.0), SM_ERR_BAD_ARGUMENT);
    key[0] = 0x80000000u;
    CHECK(sm_rng_set_state(rng, key, 624, 624, 0, 0.0) == SM_OK, "a key with the top bit set is a real state");
    sm_rng_free(rng);
    sm_net_free(net);
}

/* A cancelled call stops, says so, and leaves whole epochs behind; a clone
 * is independent; restored records read back. */
static void test_progress_and_clone(void) {
    sm_net *net = NULL, *twin = NULL;
    sm_rng *rng = NULL;
    sm_progress *progress = NULL;
    sm_net_create(SIZES, 4, "relu", 3, &net);
    sm_rng_create(5, &rng);
    CHECK(sm_progress_create(&progress) == SM_OK, "progress create");
    double x[40], y[20], losses[5] = {0}, before[105], after[105];
    int64_t labels[20], done = -1, total = -1, trained = -1;
    sm_make_moons(rng, 10, 10, 1, 1, 0.1, x, labels);
    for (int i = 0; i < 20; i++) y[i] = (double)labels[i];
    CHECK(sm_net_fit(net, x, 20, 2, y, 20, 2, 0.1, 8, rng, 0, 0, NULL, 0, NULL, losses, 2, progress) == SM_OK,
          "fit with a progress object");
    CHECK(sm_progress_get(progress, &done, &total) == SM_OK && done == 2 && total == 2, "progress counts epochs");

    uint32_t key_before[624], key_after[624];
    int64_t pos_before, pos_after;
    int32_t hg;
    double cg;
    sm_rng_get_state(rng, key_before, 624, &pos_before, &hg, &cg);
    sm_net_get_params(net, before, 105);
    CHECK(sm_progress_cancel(progress) == SM_OK, "cancel");
    EXPECT_STATUS(sm_net_fit(net, x, 20, 2, y, 20, 5, 0.1, 8, rng, 0, 0, NULL, 0, NULL, losses, 5, progress),
                  SM_ERR_CANCELLED);
    sm_net_get_params(net, after, 105);
    sm_rng_get_state(rng, key_after, 624, &pos_after, &hg, &cg);
    CHECK(memcmp(before, after, sizeof before) == 0, "a fit cancelled before its first epoch changes no weight");
    CHECK(pos_before == pos_after && memcmp(key_before, key_after, sizeof key_before) == 0,
          "nor the stream");
    CHECK(sm_net_epochs_trained(net, &trained) == SM_OK && trained == 2, "epochs trained counts whole epochs");
    double out[20];
    EXPECT_STATUS(sm_net_forward(net, x, 20, 2, out, 20, progress), SM_ERR_CANCELLED);
    CHECK(sm_progress_free(progress) == SM_OK, "progress free");
    EXPECT_STATUS(sm_progress_cancel(progress), SM_ERR_INVALID_HANDLE);

    CHECK(sm_net_clone(net, &twin) == SM_OK && twin != net, "clone");
    sm_net_get_params(twin, after, 105);
    CHECK(memcmp(before, after, sizeof before) == 0, "the clone has the same parameters");
    double loss;
    sm_net_train_step(twin, x, 20, 2, y, 20, 0.5, &loss);
    sm_net_get_params(net, after, 105);
    CHECK(memcmp(before, after, sizeof before) == 0, "training the clone leaves the original alone");
    CHECK(sm_net_epochs_trained(twin, &trained) == SM_OK && trained == 2, "the clone keeps the epochs trained");

    int64_t epochs[2] = {1, 2}, count = 0;
    int32_t has = 0;
    double eval_loss[2] = {0.5, 0.25}, eval_acc[2] = {0.5, 0.75};
    int64_t bad_epochs[2] = {1, 9};
    EXPECT_STATUS(sm_net_restore_training(twin, 2, bad_epochs, eval_loss, eval_acc, 2, NULL, 0), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_restore_training(twin, 2, epochs, eval_loss, eval_acc, 2, before, 105), SM_ERR_BAD_SHAPE);
    CHECK(sm_net_restore_training(twin, 7, epochs, eval_loss, eval_acc, 2, NULL, 0) == SM_OK, "restore records");
    CHECK(sm_net_record_count(twin, &count, &has) == SM_OK && count == 2 && has == 0, "restored record count");
    CHECK(sm_net_epochs_trained(twin, &trained) == SM_OK && trained == 7, "restored epochs trained");
    sm_net_free(twin);
    sm_net_free(net);
    sm_rng_free(rng);
}

/* scikit-learn's loss and gradient, and its SGD / Adam epoch. */
static void test_sklearn(void) {
    sm_rng *rng = NULL, *shuffle = NULL;
    sm_net *net = NULL, *soft = NULL;
    sm_rng_create(3, &rng);
    sm_rng_create(7, &shuffle);
    const int64_t sizes[] = {3, 4, 2};
    const char *acts[] = {"relu"};
    CHECK(sm_mlp_create(sizes, 3, acts, NULL, 1, "identity", "glorot_uniform", 0, 0.0, 0.0, rng, &net) == SM_OK,
          "identity-output network");
    CHECK(sm_mlp_create(sizes, 3, acts, NULL, 1, "softmax", "glorot_uniform", 0, 0.0, 0.0, rng, &soft) == SM_OK,
          "softmax-output network");
    int64_t count = 0;
    sm_net_param_count(net, &count); /* 3*4 + 4 + 4*2 + 2 = 26 */
    double params[26], before[26], grads[26], loss = -1;
    sm_net_get_params(net, params, 26);
    const double x[] = {0.1, 0.2, 0.3, -0.5, 0.4, 1.0, 0.7, -0.2, 0.0, 0.3, 0.3, -0.9, 1.0, 0.5, 0.2};
    const double y[] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 0};
    const double sw[] = {1, 2, 0.5, 1, 1};
    CHECK(count == 26, "26 parameters");
    for (int kind = 0; kind < 4; kind++) {
        CHECK(sm_net_sk_loss_grad(net, params, 26, x, 5, 3, y, 10, kind == 1 ? sw : NULL, kind, 1e-4, &loss, grads,
                                  26) == SM_OK && loss > 0 && isfinite(grads[0]), "sk loss and gradient per kind");
    }
    EXPECT_STATUS(sm_net_sk_loss_grad(NULL, params, 26, x, 5, 3, y, 10, NULL, 0, 0.0, &loss, grads, 26),
                  SM_ERR_INVALID_HANDLE);
    EXPECT_STATUS(sm_net_sk_loss_grad(soft, params, 26, x, 5, 3, y, 10, NULL, 0, 0.0, &loss, grads, 26),
                  SM_ERR_BAD_ARGUMENT); /* not an identity output */
    EXPECT_STATUS(sm_net_sk_loss_grad(net, params, 25, x, 5, 3, y, 10, NULL, 0, 0.0, &loss, grads, 26),
                  SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_sk_loss_grad(net, params, 26, x, 5, 3, y, 9, NULL, 0, 0.0, &loss, grads, 26),
                  SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_sk_loss_grad(net, params, 26, x, 5, 3, y, 10, NULL, 0, 0.0, &loss, grads, 27),
                  SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_sk_loss_grad(net, params, 26, x, 5, 3, y, 10, NULL, 4, 0.0, &loss, grads, 26),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_sk_loss_grad(net, params, 26, x, 5, 3, y, 10, NULL, 0, -1.0, &loss, grads, 26),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_sk_loss_grad(net, NULL, 26, x, 5, 3, y, 10, NULL, 0, 0.0, &loss, grads, 26),
                  SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_sk_loss_grad(net, params, 26, x, 5, 3, y, 10, NULL, 0, 0.0, NULL, grads, 26),
                  SM_ERR_BAD_ARGUMENT);

    /* An epoch: Adam with a shuffle, then failures that change nothing. */
    double hyper[6] = {0.01, 0.9, 1, 0.9, 0.999, 1e-8};
    double m[26] = {0}, v[26] = {0}, rate = 0.01;
    int64_t order[5] = {0, 1, 2, 3, 4}, t = 0;
    memcpy(before, params, sizeof params);
    CHECK(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, order, shuffle, 1, hyper, &rate, &t,
                          m, v, &loss, NULL) == SM_OK && t == 3 && loss > 0 && memcmp(before, params, sizeof params) != 0,
          "an Adam epoch of 3 batches");
    int seen = 0;
    for (int i = 0; i < 5; i++) seen |= 1 << order[i];
    CHECK(seen == 31, "the order stays a permutation");
    double kept[26], m_kept[26];
    int64_t order_kept[5], t_kept = t;
    double rate_kept = rate;
    memcpy(kept, params, sizeof params);
    memcpy(m_kept, m, sizeof m);
    memcpy(order_kept, order, sizeof order);
    int64_t bad_order[5] = {0, 1, 2, 3, 5};
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, bad_order, shuffle, 1, hyper,
                                  &rate, &t, m, v, &loss, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 6, order, shuffle, 1, hyper,
                                  &rate, &t, m, v, &loss, NULL), SM_ERR_BAD_ARGUMENT); /* batch > n */
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, order, shuffle, 1, hyper,
                                  &rate, &t, m, NULL, &loss, NULL), SM_ERR_BAD_ARGUMENT); /* Adam without v */
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, order, shuffle, 2, hyper,
                                  &rate, &t, m, v, &loss, NULL), SM_ERR_BAD_ARGUMENT); /* no solver 2 */
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 24, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, order, shuffle, 1, hyper,
                                  &rate, &t, m, v, &loss, NULL), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, order, (sm_rng *)net, 1, hyper,
                                  &rate, &t, m, v, &loss, NULL), SM_ERR_INVALID_HANDLE);
    sm_progress *progress = NULL;
    sm_progress_create(&progress);
    sm_progress_cancel(progress);
    EXPECT_STATUS(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, order, shuffle, 1, hyper,
                                  &rate, &t, m, v, &loss, progress), SM_ERR_CANCELLED);
    sm_progress_free(progress);
    CHECK(memcmp(kept, params, sizeof params) == 0 && memcmp(m_kept, m, sizeof m) == 0 &&
          memcmp(order_kept, order, sizeof order) == 0 && t == t_kept && rate == rate_kept,
          "failed and cancelled epochs change nothing");
    /* SGD without a shuffle: batches in the given order. */
    double vel[26] = {0};
    CHECK(sm_net_sk_epoch(net, params, 26, x, 5, 3, y, 10, sw, 0, 1e-4, 5, order, NULL, 0, hyper, &rate, &t, vel,
                          NULL, &loss, NULL) == SM_OK && memcmp(order_kept, order, sizeof order) == 0 && vel[0] != 0,
          "an SGD epoch without a shuffle keeps the order");

    /* Epochs in one call: the same numbers as single epochs; the stopping rule. */
    double p1[26], p2[26], m1[26] = {0}, v1[26] = {0}, m2[26] = {0}, v2[26] = {0}, losses[4], single[3];
    memcpy(p1, params, sizeof params);
    memcpy(p2, params, sizeof params);
    int64_t o1[5] = {0, 1, 2, 3, 4}, o2[5] = {0, 1, 2, 3, 4}, t1 = 0, t2 = 0, seen_samples = 0, stale = 0, run = -1;
    double r1 = 0.01, r2 = 0.01, best = 1.0 / 0.0;
    int32_t stopped = -1;
    for (int e = 0; e < 3; e++)
        CHECK(sm_net_sk_epoch(net, p1, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o1, NULL, 1, hyper, &r1, &t1, m1, v1,
                              &single[e], NULL) == SM_OK, "a single Adam epoch");
    CHECK(sm_net_sk_epochs(net, p2, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o2, NULL, 1, hyper, &r2, &t2, m2, v2, 0, 0.5,
                           1e-4, 10, &seen_samples, &stale, &best, losses, 3, &run, &stopped, NULL) == SM_OK &&
          run == 3 && stopped == 0 && seen_samples == 15 && t2 == t1 && r2 == r1 &&
          memcmp(p1, p2, sizeof p1) == 0 && memcmp(m1, m2, sizeof m1) == 0 && memcmp(losses, single, sizeof single) == 0,
          "three epochs in one call are three single epochs, bit for bit");
    CHECK(best <= single[0] && best <= single[1] && best <= single[2], "best_loss is the lowest loss");
    /* A tolerance no epoch can beat: Adam stops once the count passes n_iter_no_change = 1. */
    best = 1.0 / 0.0;
    stale = 0;
    CHECK(sm_net_sk_epochs(net, p2, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o2, NULL, 1, hyper, &r2, &t2, m2, v2, 0, 0.5,
                           1e9, 1, &seen_samples, &stale, &best, losses, 4, &run, &stopped, NULL) == SM_OK &&
          run == 3 && stopped == 1 && stale == 2, "Adam stops after n_iter_no_change + 1 epochs without improvement (the first improves on inf)");
    memcpy(kept, p2, sizeof p2);
    int64_t run_kept = run;
    EXPECT_STATUS(sm_net_sk_epochs(net, p2, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o2, NULL, 1, hyper, &r2, &t2, m2, v2,
                                   3, 0.5, 1e-4, 10, &seen_samples, &stale, &best, losses, 4, &run, &stopped, NULL),
                  SM_ERR_BAD_ARGUMENT); /* no schedule 3 */
    EXPECT_STATUS(sm_net_sk_epochs(net, p2, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o2, NULL, 1, hyper, &r2, &t2, m2, v2,
                                   0, 0.5, 1e-4, 0, &seen_samples, &stale, &best, losses, 4, &run, &stopped, NULL),
                  SM_ERR_BAD_ARGUMENT); /* n_iter_no_change 0 */
    EXPECT_STATUS(sm_net_sk_epochs(net, p2, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o2, NULL, 1, hyper, &r2, &t2, m2, v2,
                                   0, 0.5, 1e-4, 10, &seen_samples, &stale, &best, losses, 0, &run, &stopped, NULL),
                  SM_ERR_BAD_ARGUMENT); /* max_epochs 0 */
    EXPECT_STATUS(sm_net_sk_epochs(net, p2, 26, x, 5, 3, y, 10, NULL, 0, 1e-4, 2, o2, NULL, 1, hyper, &r2, &t2, m2, v2,
                                   0, 0.5, 1e-4, 10, &seen_samples, NULL, &best, losses, 4, &run, &stopped, NULL),
                  SM_ERR_BAD_ARGUMENT); /* no_improvement NULL */
    CHECK(memcmp(kept, p2, sizeof p2) == 0 && run == run_kept, "refused runs of epochs change nothing");
    sm_net_free(net);
    sm_net_free(soft);
    sm_rng_free(rng);
    sm_rng_free(shuffle);
}

/* Convolutional networks: create from codes, parameters, passes, training, bad input. */
static void test_cnn(void) {
    const int64_t shape[] = {1, 6, 6};
    /* conv 2x3x3 pad 1, relu, max pool 2, flatten, dropout 0.25, dense 3 */
    const int64_t codes[] = {SM_CNN_CONV2D, 2, 3, 1, 1, SM_CNN_ACTIVATION, 3, 0, 0, 0, SM_CNN_MAX_POOL, 2, 2, 0, 0,
                             SM_CNN_FLATTEN, 0, 0, 0, 0, SM_CNN_DROPOUT, 0, 0, 0, 0, SM_CNN_DENSE, 3, 0, 0, 0};
    const double reals[] = {0, NAN, 0, 0, 0.25, 0};
    sm_cnn *cnn = NULL;
    EXPECT_STATUS(sm_cnn_create(shape, 2, codes, reals, 6, 0, "he", -1, &cnn), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_cnn_create(shape, 3, codes, reals, 6, 0, "glorot", -1, &cnn), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_cnn_create(shape, 3, codes, reals, 5, 0, "he", -1, &cnn), SM_ERR_BAD_ARGUMENT); /* ends in dropout */
    EXPECT_STATUS(sm_cnn_create(shape, 3, codes, reals, 6, -1, "he", -1, &cnn), SM_ERR_BAD_ARGUMENT);
    {   /* sizes whose products overflow are refused, not wrapped */
        const int64_t huge_shape[] = {1, 1, 2147483647};
        const int64_t huge[] = {SM_CNN_CONV2D, 2147483647, 1, 1, 65536, SM_CNN_FLATTEN, 0, 0, 0, 0,
                                SM_CNN_DENSE, 2, 0, 0, 0};
        const double huge_reals[] = {0, 0, 0};
        EXPECT_STATUS(sm_cnn_create(huge_shape, 3, huge, huge_reals, 3, 0, "he", -1, &cnn), SM_ERR_OUT_OF_MEMORY);
    }
    CHECK(cnn == NULL, "failed cnn create leaves out NULL");
    CHECK(sm_cnn_create(shape, 3, codes, reals, 6, 0, "he", -1, &cnn) == SM_OK && cnn != NULL, "cnn create");
    int64_t count = 0;
    CHECK(sm_cnn_param_count(cnn, &count) == SM_OK && count == 2 * 9 + 2 + 18 * 3 + 3, "cnn parameter count");
    double params[77], x[2 * 36], out[6], grad[77], history[2 * SM_CNN_HISTORY_FIELDS], loss = 0, accuracy = -1;
    int64_t y[2] = {0, 2};
    for (int i = 0; i < 72; i++) x[i] = sin(0.3 * i);
    CHECK(sm_cnn_get_params(cnn, params, count) == SM_OK, "cnn get params");
    EXPECT_STATUS(sm_cnn_get_params(cnn, params, count - 1), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_cnn_forward(cnn, x, 2, 35, 0, out, 6, NULL), SM_ERR_BAD_SHAPE);
    CHECK(sm_cnn_forward(cnn, x, 2, 36, 1, out, 6, NULL) == SM_OK && fabs(out[0] + out[1] + out[2] - 1) < 1e-15,
          "cnn probabilities sum to 1");
    CHECK(sm_cnn_evaluate(cnn, x, 2, 36, y, &loss, &accuracy, NULL) == SM_OK && loss > 0 &&
              (accuracy == 0 || accuracy == 0.5 || accuracy == 1), "cnn loss and accuracy");
    EXPECT_STATUS(sm_cnn_evaluate(cnn, x, 0, 36, y, &loss, NULL, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_cnn_gradients(cnn, x, 2, 36, y, x, 3, &loss, grad, count), SM_ERR_BAD_SHAPE); /* masks: 36 */
    CHECK(sm_cnn_gradients(cnn, x, 2, 36, y, NULL, 0, &loss, grad, count) == SM_OK, "cnn gradients");
    y[1] = 3;
    EXPECT_STATUS(sm_cnn_fit(cnn, x, 2, 36, y, NULL, 0, NULL, 2, 0.1, 1, 0, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                             2 * SM_CNN_HISTORY_FIELDS, NULL), SM_ERR_BAD_ARGUMENT);
    y[1] = 2;
    EXPECT_STATUS(sm_cnn_fit(cnn, x, 2, 36, y, NULL, 0, NULL, 2, 0.1, 1, 2, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                             2 * SM_CNN_HISTORY_FIELDS, NULL), SM_ERR_BAD_ARGUMENT);
    EXPECT_STATUS(sm_cnn_fit(cnn, x, 2, 36, y, NULL, 0, NULL, 2, 0.1, 1, 0, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                             2, NULL), SM_ERR_BAD_SHAPE);
    EXPECT_STATUS(sm_cnn_fit(cnn, x, 2, 36, y, x, 0, y, 2, 0.1, 1, 0, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                             2 * SM_CNN_HISTORY_FIELDS, NULL), SM_ERR_BAD_ARGUMENT); /* x_val given, n_val 0 */
    EXPECT_STATUS(sm_cnn_fit(cnn, x, 2, 36, y, NULL, 2, y, 2, 0.1, 1, 0, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                             2 * SM_CNN_HISTORY_FIELDS, NULL), SM_ERR_BAD_ARGUMENT); /* n_val 2, x_val NULL */
    int64_t bad_val[1] = {7};
    EXPECT_STATUS(sm_cnn_fit(cnn, x, 2, 36, y, x, 1, bad_val, 2, 0.1, 1, 0, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                             2 * SM_CNN_HISTORY_FIELDS, NULL), SM_ERR_BAD_ARGUMENT);
    double after[77];
    CHECK(sm_cnn_get_params(cnn, after, count) == SM_OK && memcmp(after, params, sizeof(double) * count) == 0,
          "failed cnn fit changes nothing");
    CHECK(sm_cnn_fit(cnn, x, 2, 36, y, x, 2, y, 2, 0.01, 1, 1, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                     2 * SM_CNN_HISTORY_FIELDS, NULL) == SM_OK, "cnn fit with adam and validation");
    double val_loss = 0;
    CHECK(sm_cnn_evaluate(cnn, x, 2, 36, y, &val_loss, NULL, NULL) == SM_OK &&
              history[SM_CNN_HISTORY_FIELDS + SM_CNN_VAL_LOSS] == val_loss &&
              history[SM_CNN_HISTORY_FIELDS + SM_CNN_SECONDS] > 0 && history[SM_CNN_LOSS] > 0,
          "cnn fit history: the last validation loss is the evaluation's, times positive");
    CHECK(sm_cnn_fit(cnn, x, 2, 36, y, NULL, 0, NULL, 1, 0.01, 1, 0, 0.9, 0, 0.9, 0.999, 1e-8, 1, history,
                     SM_CNN_HISTORY_FIELDS, NULL) == SM_OK && isnan(history[SM_CNN_VAL_LOSS]) &&
              isnan(history[SM_CNN_VAL_ACCURACY]), "cnn fit without validation: NaN validation fields");
    CHECK(sm_cnn_free(cnn) == SM_OK, "cnn free");
    EXPECT_STATUS(sm_cnn_free(cnn), SM_ERR_INVALID_HANDLE);
    CHECK(sm_cnn_free(NULL) == SM_OK, "cnn free(NULL)");
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--values") == 0) {
        print_values();
        return 0;
    }
    test_version();
    test_rng();
    test_data();
    test_network();
    test_training();
    test_mlp();
    test_stale_handles();
    test_rejected_inputs();
    test_progress_and_clone();
    test_sklearn();
    test_cnn();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
