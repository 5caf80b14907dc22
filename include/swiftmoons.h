/*
 * swiftmoons.h: the C interface of libswiftmoons.
 *
 * A Swift implementation of the "Sigmoid vs ReLU on two moons" experiment:
 * NumPy's legacy random stream, scikit-learn's make_moons / StandardScaler /
 * train_test_split, and a fully connected network trained by SGD.
 *
 * Conventions
 *   - Every function returns an int status: SM_OK (0) or one of the SM_ERR_*
 *     codes below. On failure, sm_last_error() describes what went wrong and
 *     no output or object has been changed.
 *   - Objects are opaque handles made by *_create and released by *_free;
 *     freeing NULL does nothing. A handle is a number the library hands out
 *     once and never again, not an address: a handle that is not live
 *     (freed, never created, or of another type) always gives
 *     SM_ERR_INVALID_HANDLE, however many objects were made since.
 *   - The caller owns every buffer. Sizes are element counts (int64_t) and
 *     are checked against what the call needs.
 *   - Matrices are row-major float64. A network's weights W_k have shape
 *     (layer_sizes[k-1], layer_sizes[k]) and map rows as z = a W_k + b_k.
 *   - A handle may be shared between threads; calls on one handle are
 *     serialized.
 *   - No call stops the process on bad input: every buffer whose size the
 *     caller chooses is asked of the allocator first, and a refusal is
 *     SM_ERR_OUT_OF_MEMORY with the bytes asked for in sm_last_error().
 *   - Long calls (training, sweeps, forward passes) take an sm_progress
 *     (NULL for none): another thread may cancel it, and the call then
 *     returns SM_ERR_CANCELLED within a few milliseconds of work.
 */
#ifndef SWIFTMOONS_H
#define SWIFTMOONS_H

#include <stdint.h>

#if defined(_WIN32)
#  define SM_API __declspec(dllimport)
#else
#  define SM_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ------------------------------------------------------------------- */

#define SM_VERSION_MAJOR 0
#define SM_VERSION_MINOR 1
#define SM_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH; compare with sm_version_number(). */
#define SM_VERSION_NUMBER (SM_VERSION_MAJOR * 10000 + SM_VERSION_MINOR * 100 + SM_VERSION_PATCH)
#define SM_VERSION_STRING "0.1.0"

/* The library's SM_VERSION_NUMBER at build time. */
SM_API int sm_version_number(void);
/* The library's version as "MAJOR.MINOR.PATCH"; a static string. */
SM_API const char *sm_version_string(void);
/* The instruction set the library was compiled for, a static string:
 * "baseline" (any x86-64, or any other architecture), "avx2" (AVX2 with FMA,
 * BMI1/2, LZCNT, MOVBE, F16C), "avx512" (those and AVX-512 F, CD, BW, DQ,
 * VL), or "unspecified" (a plain `swift build`). All give the same results.
 * Load a build only on a processor that has its instructions. */
SM_API const char *sm_build_variant(void);

/* ---- Status codes and errors --------------------------------------------------- */

enum sm_status {
    SM_OK = 0,
    SM_ERR_BAD_ARGUMENT = 1,   /* a value out of range, NULL, unknown name  */
    SM_ERR_BAD_SHAPE = 2,      /* a buffer of the wrong size                */
    SM_ERR_INVALID_HANDLE = 3, /* NULL, freed or foreign handle             */
    SM_ERR_OUT_OF_MEMORY = 4,  /* sizes too large to allocate               */
    SM_ERR_INTERNAL = 5,       /* a bug: please report it                   */
    SM_ERR_CANCELLED = 6       /* sm_progress_cancel stopped the call       */
};

/* The message of the last failed call on this thread (thread-local; "" if
 * none). Valid until the next failing call on the same thread. */
SM_API const char *sm_last_error(void);
/* The name of a status code ("SM_OK", "SM_ERR_BAD_SHAPE", ...); static. */
SM_API const char *sm_status_name(int status);

/* ---- Threads and live objects -------------------------------------------------- */

/* Sets how many threads parallel work uses (large forward passes, training
 * several networks, sweeps); 0 means one per processor (the default). Results
 * do not depend on it. */
SM_API int sm_set_thread_count(int n);
/* The thread count in force. */
SM_API int sm_thread_count(void);
/* The number of live objects of every type (for leak checks). */
SM_API int64_t sm_live_object_count(void);

/* ---- Progress and cancellation ------------------------------------------------- */

typedef struct sm_progress sm_progress;

/* A cancel flag and a count of work done, for one long call at a time. */
SM_API int sm_progress_create(sm_progress **out);
/* Releases it; NULL does nothing. Free it only after the call using it returned. */
SM_API int sm_progress_free(sm_progress *progress);
/* Asks the call using it to stop (safe from any thread; it stays set). */
SM_API int sm_progress_cancel(sm_progress *progress);
/* Units of work done and planned by the call using it: epochs every
 * network has finished (training), seeds finished (sweeps), rows (forward). */
SM_API int sm_progress_get(sm_progress *progress, int64_t *completed, int64_t *total);

/* ---- Random stream: numpy.random.RandomState, bit for bit ---------------------- */

typedef struct sm_rng sm_rng;

/* A stream seeded like RandomState(seed); seed must be in 0..2^32-1. */
SM_API int sm_rng_create(int64_t seed, sm_rng **out);
/* Releases the stream; NULL does nothing. */
SM_API int sm_rng_free(sm_rng *rng);
/* Reseeds like RandomState.seed(seed), dropping any cached Gaussian. */
SM_API int sm_rng_seed(sm_rng *rng, int64_t seed);
/* n doubles in [0, 1), as random_sample(n). */
SM_API int sm_rng_random_sample(sm_rng *rng, double *out, int64_t n);
/* n standard normal values, as randn(n). */
SM_API int sm_rng_randn(sm_rng *rng, double *out, int64_t n);
/* n values loc + scale * randn(), as normal(loc, scale, n); scale >= 0. */
SM_API int sm_rng_normal(sm_rng *rng, double loc, double scale, double *out, int64_t n);
/* A permutation of 0..n-1, as permutation(n). */
SM_API int sm_rng_permutation(sm_rng *rng, int64_t *out, int64_t n);
/* The state as RandomState.get_state(): key (key_len must be 624), pos,
 * has_gauss and the cached Gaussian. */
SM_API int sm_rng_get_state(sm_rng *rng, uint32_t *key, int64_t key_len, int64_t *pos,
                            int32_t *has_gauss, double *cached_gaussian);
/* Restores a state given in RandomState.set_state() terms. */
SM_API int sm_rng_set_state(sm_rng *rng, const uint32_t *key, int64_t key_len, int64_t pos,
                            int32_t has_gauss, double cached_gaussian);

/* ---- Data: scikit-learn's make_moons, StandardScaler, train_test_split --------- */

/* make_moons with n_out outer and n_in inner points: x gets (n_out + n_in) x 2
 * values, y their labels (0 outer, 1 inner). Shuffles with one permutation
 * when shuffle != 0, then adds N(0, noise^2) when add_noise != 0, all drawn
 * from rng as scikit-learn draws from its RandomState. */
SM_API int sm_make_moons(sm_rng *rng, int64_t n_out, int64_t n_in, int32_t shuffle,
                         int32_t add_noise, double noise, double *x, int64_t *y);
/* scikit-learn's make_circles: n_out points on the unit circle (label 0),
 * then n_in on the circle of radius factor (0 <= factor < 1, label 1), at
 * evenly spaced angles; shuffled and noised as sm_make_moons. */
SM_API int sm_make_circles(sm_rng *rng, int64_t n_out, int64_t n_in, int32_t shuffle,
                           int32_t add_noise, double noise, double factor, double *x, int64_t *y);
/* The XOR pattern (TensorFlow Playground's, labels 0/1): n points uniform in
 * [-1, 1)^2 pushed margin away from the axes, label 1 where x y > 0, then
 * N(0, noise^2) added when add_noise != 0. */
SM_API int sm_make_xor(sm_rng *rng, int64_t n, int32_t add_noise, double noise, double margin, double *x,
                       int64_t *y);
/* Two interleaved spirals (TensorFlow Playground's, labels 0/1): n_first
 * points on the first arm, n_second on the second (rotated by pi); shuffled
 * and noised as sm_make_moons. */
SM_API int sm_make_spiral(sm_rng *rng, int64_t n_first, int64_t n_second, int32_t shuffle, int32_t add_noise,
                          double noise, double *x, int64_t *y);
/* scikit-learn's make_blobs: counts[i] points (n_centers counts) drawn from
 * N(center i, cluster_std[i]^2) in each of n_features coordinates, labelled
 * i, then shuffled when shuffle != 0. centers is n_centers x n_features: read
 * if centers_given != 0, else drawn first, uniform in [box_low, box_high),
 * and written there. x holds y_len x n_features values, y_len = the sum of
 * counts. rng is unchanged on failure. */
SM_API int sm_make_blobs(sm_rng *rng, const int64_t *counts, int64_t n_centers, int64_t n_features,
                         double *centers, int32_t centers_given, const double *cluster_std,
                         double box_low, double box_high, int32_t shuffle, double *x, int64_t x_len,
                         int64_t *y, int64_t y_len);
/* Standardizes each column of the rows x columns matrix x into out, as
 * StandardScaler().fit_transform; mean and scale (columns values each) may be
 * NULL. x must be finite. */
SM_API int sm_standardize(const double *x, int64_t rows, int64_t columns, double *out,
                          double *mean, double *scale);
/* The test-set size of train_test_split: ceil(test_size * n) for a fraction
 * in (0, 1), test_size itself for a whole number in [1, n - 1]. */
SM_API int sm_split_test_count(int64_t n, double test_size, int64_t *n_test);
/* One permutation of 0..n-1 from rng: its first n_test entries go to test,
 * the remaining n - n_test (in order) to train. */
SM_API int sm_split_indices(sm_rng *rng, int64_t n, int64_t n_test, int64_t *test,
                            int64_t *train);

/* ---- Names: activations, output kinds, initializers ---------------------------- */

/* The number of activation kinds. */
SM_API int sm_activation_count(void);
/* Kind `index`'s name (static) and default parameter (NaN if it has none). */
SM_API int sm_activation_info(int index, const char **name, double *default_alpha);
/* out[i] = f(x[i]) or, with derivative != 0, f'(x[i]) for the named
 * activation ("silu" names swish); alpha NaN means the default. */
SM_API int sm_activation_evaluate(const char *name, double alpha, int32_t derivative,
                                  const double *x, double *out, int64_t n);
/* The number of output kinds, and kind `index`'s name (static): "sigmoid"
 * (binary cross-entropy), "softmax" (cross-entropy over class indices),
 * "identity" (mean squared error). */
SM_API int sm_output_count(void);
SM_API int sm_output_name(int index, const char **name);
/* The number of weight initializers, and initializer `index`'s name (static). */
SM_API int sm_initializer_count(void);
SM_API int sm_initializer_name(int index, const char **name);

/* ---- Networks: creation, shape, parameters, passes ----------------------------- */

typedef struct sm_net sm_net;

/* The article's network: n_layers sizes (input, hidden..., output; at least
 * 2), one hidden activation (any name of sm_activation_info), a sigmoid output, zero biases and
 * weights drawn as the article draws them: a stream seeded with seed, then
 * randn for W1, W2, ... scaled by sqrt(2/fan_in) (relu and its family) or
 * sqrt(1/fan_in) (sigmoid, tanh, identity). */
SM_API int sm_net_create(const int64_t *layer_sizes, int64_t n_layers, const char *activation,
                         int64_t seed, sm_net **out);
/* As sm_net_create, but drawing from rng without reseeding it; rng is left
 * where the draws end (unchanged if creation fails). */
SM_API int sm_net_create_with_rng(const int64_t *layer_sizes, int64_t n_layers,
                                  const char *activation, sm_rng *rng, sm_net **out);
/* A network with given parameters, flat in the order W1, b1, W2, b2, ... */
SM_API int sm_net_create_from_params(const int64_t *layer_sizes, int64_t n_layers,
                                     const char *activation, const double *params,
                                     int64_t n_params, sm_net **out);
/* A network with n_sizes layer sizes, hidden activations given by name
 * (n_activations = 1 for all hidden layers, or one per hidden layer) with an
 * optional parameter each (alphas may be NULL; NaN means the default:
 * leaky_relu 0.01, elu 1, prelu's initial slope 0.25), an output ("sigmoid"
 * with binary cross-entropy, "softmax" with cross-entropy over class-index
 * labels, "identity" with mean squared error), an init ("he", "xavier",
 * "glorot_uniform", "auto") and biases set to bias_a (bias_mode 0) or drawn
 * from N(bias_a, bias_b^2) after all weights (bias_mode 1). Weights are drawn
 * from rng in layer order; rng is left where the draws end (unchanged on
 * failure). Parameters are laid out per layer as W_k, b_k and, for a PReLU
 * layer, its slopes. */
SM_API int sm_mlp_create(const int64_t *layer_sizes, int64_t n_sizes, const char *const *activations,
                         const double *alphas, int64_t n_activations, const char *output,
                         const char *init, int32_t bias_mode, double bias_a, double bias_b,
                         sm_rng *rng, sm_net **out);
/* A general network with given flat parameters. */
SM_API int sm_mlp_create_from_params(const int64_t *layer_sizes, int64_t n_sizes,
                                     const char *const *activations, const double *alphas,
                                     int64_t n_activations, const char *output,
                                     const double *params, int64_t n_params, sm_net **out);
/* Releases the network; NULL does nothing. */
SM_API int sm_net_free(sm_net *net);
/* An independent copy: parameters, epochs trained and records. */
SM_API int sm_net_clone(sm_net *net, sm_net **out);

/* The number of layer sizes (weight layers + 1). */
SM_API int sm_net_layer_count(sm_net *net, int64_t *out);
/* The layer sizes; len must equal sm_net_layer_count. */
SM_API int sm_net_layer_sizes(sm_net *net, int64_t *out, int64_t len);
/* The first hidden layer's activation name; a static string. */
SM_API int sm_net_activation(sm_net *net, const char **out);
/* Hidden layer k's activation name (static) and parameter (NaN if none). */
SM_API int sm_net_hidden_activation(sm_net *net, int64_t layer, const char **name, double *alpha);
/* The output's name (static) and the targets per sample (1 for softmax). */
SM_API int sm_net_output(sm_net *net, const char **name, int64_t *target_width);
/* The number of parameters (all weights and biases). */
SM_API int sm_net_param_count(sm_net *net, int64_t *out);
/* All parameters, flat W1, b1, W2, b2, ...; len must equal the count. */
SM_API int sm_net_get_params(sm_net *net, double *out, int64_t len);
SM_API int sm_net_set_params(sm_net *net, const double *params, int64_t len);
/* Weights of layer k (1-based): fan_in x fan_out values. */
SM_API int sm_net_get_weights(sm_net *net, int64_t layer, double *out, int64_t len);
SM_API int sm_net_set_weights(sm_net *net, int64_t layer, const double *values, int64_t len);
/* Biases of layer k (1-based): fan_out values. */
SM_API int sm_net_get_biases(sm_net *net, int64_t layer, double *out, int64_t len);
SM_API int sm_net_set_biases(sm_net *net, int64_t layer, const double *values, int64_t len);
/* The learned slopes of PReLU hidden layer k: layer_sizes[k] values. */
SM_API int sm_net_get_slopes(sm_net *net, int64_t layer, double *out, int64_t len);

/* The output for n samples: x is n x d (d = input width), out n x output
 * width (len = its element count). progress may be NULL. */
SM_API int sm_net_forward(sm_net *net, const double *x, int64_t n, int64_t d, double *out,
                          int64_t len, sm_progress *progress);
/* Activations of hidden layer k (1 .. n_layers - 2) for n samples:
 * n x layer_sizes[k] values. */
SM_API int sm_net_hidden(sm_net *net, int64_t layer, const double *x, int64_t n, int64_t d,
                         double *out, int64_t len);
/* Pre-activations z = a @ W + b of layer k (1 .. n_layers - 1, the output
 * layer's logits included) for n samples: n x layer_sizes[k] values. */
SM_API int sm_net_pre_activation(sm_net *net, int64_t layer, const double *x, int64_t n, int64_t d,
                                 double *out, int64_t len);
/* The number of values in a signal trace: 2 * (n_layers - 1) - 1. */
SM_API int sm_net_trace_length(sm_net *net, int64_t *out);
/* The signal trace mean|z1|, mean|a1|, ..., mean|zL|. per_sample != 0: one
 * row per sample (n x trace length); otherwise one row of means over all n
 * samples and units, as the article's get_z_trace on a batch. */
SM_API int sm_net_trace(sm_net *net, const double *x, int64_t n, int64_t d, int32_t per_sample,
                        double *out, int64_t len);
/* For every hidden unit, layer by layer, the number of the n samples on
 * which its pre-activation is positive (0: the unit is dead on them). */
SM_API int sm_net_firing_counts(sm_net *net, const double *x, int64_t n, int64_t d, int64_t *out,
                                int64_t len);

/* ---- Training: steps, gradients, evaluation, whole runs, records --------------- */

/* One SGD step on a batch in the article's order; y is n x target width
 * (output width, or 1 class index per sample for softmax); *loss gets the
 * batch's loss before the update.
 *
 * The rule of every training and evaluation call: x must be finite; y must
 * hold values in [0, 1] for a sigmoid output (labels 0 and 1, or soft
 * labels), class indices for softmax, finite values for identity; lr must
 * be finite and >= 0 (a negative rate would climb the loss). */
SM_API int sm_net_train_step(sm_net *net, const double *x, int64_t n, int64_t d,
                             const double *y, int64_t y_len, double lr, double *loss);
/* The loss and its gradient for every parameter (flat layout) on one batch;
 * nothing changes. */
SM_API int sm_net_gradients(sm_net *net, const double *x, int64_t n, int64_t d, const double *y,
                            int64_t y_len, double *loss, double *grads, int64_t len);
/* scikit-learn's MLP loss and gradient (its _backprop) at the flat
 * parameters params (n_params = sm_net_param_count, this network's layout)
 * for n samples x (n x d) with targets y (n x output width, y_len values)
 * and sample weights sw (n values, or NULL for none). The network must have
 * an identity output (its last z are the logits); loss_kind picks the output
 * function and loss: 0 identity + half the mean squared error, 1 softmax +
 * log loss, 2 logistic + binary log loss (both eps-clipped), 3 exp + half
 * the Poisson deviance. loss gets it plus 0.5 alpha sum(W^2) / sw_sum;
 * grads (len = n_params) get (a^T delta + alpha W) / sw_sum for weights and
 * sum(delta) / sw_sum for biases and slopes, delta = (p - y) sw. The
 * network's own parameters are neither read nor changed. */
SM_API int sm_net_sk_loss_grad(sm_net *net, const double *params, int64_t n_params, const double *x,
                               int64_t n, int64_t d, const double *y, int64_t y_len, const double *sw,
                               int32_t loss_kind, double alpha, double *loss, double *grads, int64_t len);
/* One epoch of scikit-learn's stochastic training on the flat parameters
 * params (updated in place), with the data, loss and alpha of
 * sm_net_sk_loss_grad: with rng (NULL: no shuffle) the sample order
 * (order, n indices, updated) becomes order[permutation(n)], drawn as
 * RandomState.permutation; then per batch of batch_size rows (full batches,
 * then one short) the loss and gradients and one update of the solver: 0
 * SGD (velocities in first; hyper[1] momentum, hyper[2] != 0 Nesterov, at
 * *learning_rate), 1 Adam (moments in first and second, *t steps so far,
 * rate hyper[0] * sqrt(1 - beta_2^t) / (1 - beta_1^t) written to
 * *learning_rate; hyper[3..5] beta_1, beta_2, epsilon). hyper holds 6
 * values; first and second n_params each (second may be NULL for SGD).
 * loss gets the epoch's loss (batch losses times rows, over n). On failure
 * or cancellation (progress, may be NULL) nothing changes. */
SM_API int sm_net_sk_epoch(sm_net *net, double *params, int64_t n_params, const double *x, int64_t n,
                           int64_t d, const double *y, int64_t y_len, const double *sw, int32_t loss_kind,
                           double alpha, int64_t batch_size, int64_t *order, sm_rng *rng, int32_t solver,
                           const double *hyper, double *learning_rate, int64_t *t, double *first,
                           double *second, double *loss, sm_progress *progress);
/* Up to max_epochs epochs of sm_net_sk_epoch (same arguments up to second),
 * each followed by scikit-learn's rules for a fit without early stopping:
 * *samples_seen += n; the no-improvement count (*no_improvement) grows when
 * the epoch's loss > *best_loss - tol, else resets; *best_loss keeps the
 * lowest loss; SGD's schedule (0 constant, 1 invscaling: rate =
 * hyper[0] / (*samples_seen + 1)^power_t, 2 adaptive); and when the count
 * exceeds n_iter_no_change the fit stops (*stopped = 1), except adaptive SGD
 * with a rate above 1e-6, which divides it by 5 and resets the count.
 * losses (max_epochs values) gets each epoch's loss, *epochs_run their
 * number. Each epoch commits as it completes: on cancellation after at least
 * one epoch the call returns SM_ERR_CANCELLED with every output written for
 * the completed epochs; on any other failure, or a cancellation in the
 * first epoch, nothing changes. */
SM_API int sm_net_sk_epochs(sm_net *net, double *params, int64_t n_params, const double *x, int64_t n,
                            int64_t d, const double *y, int64_t y_len, const double *sw, int32_t loss_kind,
                            double alpha, int64_t batch_size, int64_t *order, sm_rng *rng, int32_t solver,
                            const double *hyper, double *learning_rate, int64_t *t, double *first,
                            double *second, int32_t schedule, double power_t, double tol,
                            int64_t n_iter_no_change, int64_t *samples_seen, int64_t *no_improvement,
                            double *best_loss, double *losses, int64_t max_epochs, int64_t *epochs_run,
                            int32_t *stopped, sm_progress *progress);
/* Mean loss and accuracy on a data set (accuracy is NaN for identity). */
SM_API int sm_net_evaluate(sm_net *net, const double *x, int64_t n, int64_t d, const double *y,
                           int64_t y_len, double *loss, double *accuracy);

/* Trains for `epochs` epochs in one call, as the article's loop: each epoch a
 * permutation of the n samples drawn from rng, then mini-batches of
 * batch_size in that order (the last may be short), one SGD step each. The
 * epoch loss (mean of the batch losses) goes to losses[epoch]; lossLen must
 * equal epochs. x and y follow the rule of sm_net_train_step: everything
 * is checked before the network or rng changes.
 *
 * Recording: with record_every > 0, after every record_every-th epoch (and
 * the last) the network keeps a record: the epoch, the loss and accuracy on
 * the evaluation set (eval_x: eval_n x d, eval_y: eval_n x output width;
 * eval_n may be 0, then NULLs are fine and the metrics are NaN), and with
 * record_params != 0 a copy of all parameters. Records stay in the network
 * until sm_net_clear_records.
 *
 * progress (may be NULL) counts epochs; when it is cancelled the call
 * returns SM_ERR_CANCELLED with the network as after its last whole epoch
 * (sm_net_epochs_trained tells how many this call completed, their losses
 * are in losses) and rng after those epochs' permutations: fitting the
 * remaining epochs gives what one uninterrupted call gives. */
SM_API int sm_net_fit(sm_net *net, const double *x, int64_t n, int64_t d, const double *y,
                      int64_t y_len, int64_t epochs, double lr, int64_t batch_size, sm_rng *rng,
                      int64_t record_every, int32_t record_params, const double *eval_x,
                      int64_t eval_n, const double *eval_y, double *losses, int64_t loss_len,
                      sm_progress *progress);
/* As sm_net_fit for n_nets networks sharing each epoch's permutation (the
 * article's loop trains sigmoid and ReLU this way). losses is
 * n_nets x epochs, row k for nets[k]. Each network may appear once. When
 * cancelled, each network stops after a whole epoch of its own (they may
 * differ) and rng is left after the fewest epochs any network finished. */
SM_API int sm_train_together(sm_net *const *nets, int64_t n_nets, const double *x, int64_t n,
                             int64_t d, const double *y, int64_t y_len, int64_t epochs, double lr,
                             int64_t batch_size, sm_rng *rng, int64_t record_every,
                             int32_t record_params, const double *eval_x, int64_t eval_n,
                             const double *eval_y, double *losses, int64_t loss_len,
                             sm_progress *progress);
/* The epochs the network has trained (by sm_net_fit / sm_train_together). */
SM_API int sm_net_epochs_trained(sm_net *net, int64_t *out);
/* Restores what training left, as a saved file holds it: epochs trained and
 * count records (epochs[i] in 0..epochs_trained, losses and accuracies) with
 * params_len = 0 or count x param_count recorded parameters. */
SM_API int sm_net_restore_training(sm_net *net, int64_t epochs_trained, const int64_t *epochs,
                                   const double *eval_loss, const double *eval_accuracy, int64_t count,
                                   const double *params, int64_t params_len);
/* The number of records kept, and whether they include parameters. */
SM_API int sm_net_record_count(sm_net *net, int64_t *count, int32_t *has_params);
/* The records: epoch numbers, evaluation loss and accuracy; len = count. */
SM_API int sm_net_records(sm_net *net, int64_t *epochs, double *eval_loss, double *eval_accuracy,
                          int64_t len);
/* The recorded parameters, count x param_count values (flat, record-major). */
SM_API int sm_net_recorded_params(sm_net *net, double *out, int64_t len);
/* Forgets all records. */
SM_API int sm_net_clear_records(sm_net *net);

/* ---- Sweeps -------------------------------------------------------------------- */

/* The article's run (make_moons(n_samples, noise, data_seed), standardized,
 * split 75/25 with split_seed; 2-8-8-1 networks; epochs of SGD with batch_size
 * and lr) for every network seed and activation, in parallel: each (seed,
 * activation) task draws its weights from a stream seeded with the seed and
 * its permutations from where the draws end, as the article does. losses is
 * n_seeds x n_activations x epochs, accuracy (test) n_seeds x n_activations,
 * written in place (on failure or cancellation they may hold partial results). */
SM_API int sm_article_sweep(const int64_t *seeds, int64_t n_seeds, const char *const *activations,
                            const double *alphas, int64_t n_activations, int64_t n_samples,
                            double noise, int64_t data_seed, int64_t split_seed, int64_t epochs,
                            double lr, int64_t batch_size, double *losses, int64_t loss_len,
                            double *accuracy, int64_t accuracy_len, sm_progress *progress);

/* ---- Convolutional networks --------------------------------------------------- */

/* A classifier over samples of shape (C, H, W) (images, channels first) or
 * (D,), made of layers applied in order, the last a dense layer whose units
 * are the classes (read through a softmax, trained with cross-entropy).
 * Python's swiftmoons.layers is the spec; its parameter_layout gives the
 * flat parameter order, and its initial_parameters the initial values,
 * which sm_cnn_create draws bit for bit. Samples are passed row-major:
 * x holds n samples of sample_len = C*H*W (or D) values each; labels are
 * class indices. */
typedef struct sm_cnn sm_cnn;

/* Each layer is SM_CNN_CODES_PER_LAYER int64 codes and one double:
 *   codes = {kind, a, b, c, d}            real
 *   SM_CNN_CONV2D      channels, kernel_size, stride, padding      -
 *   SM_CNN_MAX_POOL    size, stride                                -
 *   SM_CNN_AVG_POOL    size, stride                                -
 *   SM_CNN_FLATTEN     -                                           -
 *   SM_CNN_DENSE       units                                       -
 *   SM_CNN_DROPOUT     -                                           rate in [0, 1)
 *   SM_CNN_ACTIVATION  index in sm_activation_info's order         alpha (NaN: the default)
 * Unused codes and reals are ignored. */
#define SM_CNN_CODES_PER_LAYER 5
enum {
    SM_CNN_CONV2D = 0,
    SM_CNN_MAX_POOL = 1,
    SM_CNN_AVG_POOL = 2,
    SM_CNN_FLATTEN = 3,
    SM_CNN_DENSE = 4,
    SM_CNN_DROPOUT = 5,
    SM_CNN_ACTIVATION = 6
};

/* A network for samples of input_shape (n_dims 3: C, H, W; or 1: D) with
 * n_layers layers (codes: 5 per layer; reals: one per layer). Its weights
 * are drawn from RandomState(seed) in layout order with init
 * "glorot_uniform", "he" or "xavier"; that stream then draws each epoch's
 * permutation. Dropout masks come from RandomState(dropout_seed), or
 * RandomState((seed + 1) mod 2^32) when dropout_seed is -1. */
SM_API int sm_cnn_create(const int64_t *input_shape, int64_t n_dims, const int64_t *codes, const double *reals,
                         int64_t n_layers, int64_t seed, const char *init, int64_t dropout_seed, sm_cnn **out);
/* NULL is fine. */
SM_API int sm_cnn_free(sm_cnn *cnn);
/* The length of the flat parameter vector. */
SM_API int sm_cnn_param_count(sm_cnn *cnn, int64_t *out);
/* The flat parameters (len = sm_cnn_param_count). */
SM_API int sm_cnn_get_params(sm_cnn *cnn, double *out, int64_t len);
SM_API int sm_cnn_set_params(sm_cnn *cnn, const double *params, int64_t len);
/* Copies the network's two streams (the one that drew the weights and
 * shuffles each epoch, and the dropout masks') into the streams given, or
 * (set) replaces them with copies of the streams given: what a saved
 * network needs to train on exactly as the original would. */
SM_API int sm_cnn_get_streams(sm_cnn *cnn, sm_rng *shuffle, sm_rng *dropout);
SM_API int sm_cnn_set_streams(sm_cnn *cnn, sm_rng *shuffle, sm_rng *dropout);
/* Evaluation mode (no dropout): out (len = n x classes) gets the logits, or
 * their softmax if probabilities is non-zero. progress may be NULL. */
SM_API int sm_cnn_forward(sm_cnn *cnn, const double *x, int64_t n, int64_t sample_len, int32_t probabilities,
                          double *out, int64_t len, sm_progress *progress);
/* The mean cross-entropy of n samples (n >= 1) against their classes y in
 * *loss and, if accuracy is not NULL, the fraction whose logits' first
 * largest value (NumPy's argmax) is at their class, in evaluation mode. */
SM_API int sm_cnn_evaluate(sm_cnn *cnn, const double *x, int64_t n, int64_t sample_len, const int64_t *y,
                           double *loss, double *accuracy, sm_progress *progress);
/* One training pass over a batch: its mean cross-entropy in *loss and the
 * flat gradient in grad (grad_len = the parameter count). masks fixes the
 * dropout masks (each Dropout layer's in turn, n x its values per sample,
 * each 0 or 1 / (1 - rate); mask_len their total); with masks NULL they
 * are drawn from the network's dropout stream, which moves on. */
SM_API int sm_cnn_gradients(sm_cnn *cnn, const double *x, int64_t n, int64_t sample_len, const int64_t *y,
                            const double *masks, int64_t mask_len, double *loss, double *grad, int64_t grad_len);
/* Numbers per epoch in sm_cnn_fit's history, in this order. */
#define SM_CNN_HISTORY_FIELDS 5
enum {
    SM_CNN_LOSS = 0,          /* mean training loss, each batch's as it was trained (dropout on) */
    SM_CNN_ACCURACY = 1,      /* training accuracy, each sample's as its batch was trained */
    SM_CNN_VAL_LOSS = 2,      /* the validation set's mean loss after the epoch (NaN without one) */
    SM_CNN_VAL_ACCURACY = 3,  /* the validation set's accuracy after the epoch (NaN without one) */
    SM_CNN_SECONDS = 4        /* the epoch's training time (not the validation), monotonic clock */
};
/* Trains for `epochs` epochs of minibatches (batch_size rows, the last one
 * shorter) in the order of a permutation drawn each epoch (shuffle != 0) or
 * in order, with scikit-learn's SGD (optimizer 0: momentum, nesterov) or
 * Adam (optimizer 1: beta1, beta2, epsilon), from fresh optimizer state.
 * After each epoch the n_val validation samples x_val, y_val (NULL and 0:
 * none) are scored in evaluation mode. history (history_len = epochs x
 * SM_CNN_HISTORY_FIELDS) gets one row per epoch. progress counts batches.
 * A cancelled or failed call changes nothing (parameters, streams). */
SM_API int sm_cnn_fit(sm_cnn *cnn, const double *x, int64_t n, int64_t sample_len, const int64_t *y,
                      const double *x_val, int64_t n_val, const int64_t *y_val, int64_t epochs, double lr,
                      int64_t batch_size, int32_t optimizer, double momentum, int32_t nesterov, double beta1,
                      double beta2, double epsilon, int32_t shuffle, double *history, int64_t history_len,
                      sm_progress *progress);

#ifdef __cplusplus
}
#endif

#endif /* SWIFTMOONS_H */
