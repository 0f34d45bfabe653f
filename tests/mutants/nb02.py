"""Mutants for 02_minibatch_sgd.

Every ``source`` is a complete replacement of one graded top-level function. It uses only
``np`` (imported by the notebook) and builtins, and never calls another graded function.
Bugs of the update rules are small edits of a plain, correct base version (``_edit``
checks that each edited line occurs exactly once), so each bug differs from a correct
rule in one misconception only. Alternatives are written out in full and keep the state
(``velocity``, ``cache``, ``m``, ``v``, ``t``) equal to the reference, so they also pass a
test that starts from a given state (CS231n style).

Input families named in ``why`` (what exposes a bug):
- ``seeded-order``: the batches of ``minibatches(X, y, bs, np.random.default_rng(s))``
  compared exactly with consecutive slices of ``np.random.default_rng(s).permutation(N)``,
  e.g. N = 23, bs = 5 (sizes 5, 5, 5, 5, 3).
- ``coverage``: every row appears exactly once per epoch, with X and y aligned
  (X[:, 0] == y when X = arange(N)[:, None] * ones(D) and y = arange(N)).
- ``sizes``: batch sizes ``[bs] * (N // bs) + [N % bs]`` (no empty batch; the partial one
  only when N % bs != 0 and not drop_last); ``drop_last=True`` gives N // bs full batches.
- ``two-epochs``: two calls with the same Generator give the reference's first and second
  permutation (a new epoch each call, rng.permutation called exactly once per call).
- ``X-unchanged`` / ``w-unchanged``: the caller's X, y, w, dw are equal to their copies
  after the call.
- ``defaults``: ``config=None`` (and ``config={}``), compared with the reference over
  several steps; the default hyperparameters matter here.
- ``custom-lr`` / ``custom-mu`` / ``custom-dr`` / ``custom-betas``: a config with
  learning_rate 0.1, momentum 0.5, decay_rate 0.9, beta1 0.5 / beta2 0.9.
- ``multi-step``: at least 2 (nesterov sign bugs: 2, everything else: 1-5) steps carrying
  the returned config, with fresh random gradients each step.
- ``large-eps``: epsilon 1e-4 with gradients ~1e-3, or epsilon 1.0 with gradients ~1.
- ``any``: the first step with default or custom hyperparameters, shapes (5,) or (3, 4),
  gradient scale 1e-3..10.
"""

from tests.mutants import Mutant
from tests.mutants import edit as _edit
from tests.mutants import mutant as _m

MB = "minibatches"
SGD = "sgd"
MOM = "sgd_momentum"
NAG = "nesterov_momentum"
ADAGRAD = "adagrad"
RMS = "rmsprop"
ADAM = "adam"


# --------------------------------------------------------------------------------------
# minibatches(X, y, batch_size, rng, drop_last=False)
# --------------------------------------------------------------------------------------

_MB_BASE = """
def minibatches(X, y, batch_size, rng, drop_last=False):
    N = X.shape[0]
    order = rng.permutation(N)
    stop = N - N % batch_size if drop_last else N
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]
"""

_MINIBATCHES = [
    _m(
        MB,
        "while_loop",
        "alt",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            if rng is None:
                rng = np.random.default_rng()
            N = X.shape[0]
            order = rng.permutation(N)
            start = 0
            while start < N:
                end = start + batch_size
                if end > N and drop_last:
                    break
                batch = order[start:end]
                yield X[batch], y[batch]
                start = end
        """,
        "A while loop over the permuted indices, stopping before a short batch if drop_last.",
    ),
    _m(
        MB,
        "shuffled_copies_list",
        "alt",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            X = np.asarray(X)
            y = np.asarray(y)
            rng = np.random.default_rng() if rng is None else rng
            perm = rng.permutation(len(X))
            X_shuffled, y_shuffled = X[perm], y[perm]
            if drop_last:
                num_batches = len(X) // batch_size
            else:
                num_batches = (len(X) + batch_size - 1) // batch_size
            return [
                (
                    X_shuffled[i * batch_size : (i + 1) * batch_size],
                    y_shuffled[i * batch_size : (i + 1) * batch_size],
                )
                for i in range(num_batches)
            ]
        """,
        "Shuffles copies of X and y with one permutation and returns a list of slices.",
    ),
    _m(
        MB,
        "divmod_take",
        "alt",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            if rng is None:
                rng = np.random.default_rng()
            N = X.shape[0]
            perm = rng.permutation(N)
            full, rest = divmod(N, batch_size)
            for b in range(full):
                idx = perm[b * batch_size : (b + 1) * batch_size]
                yield np.take(X, idx, axis=0), np.take(y, idx, axis=0)
            if rest and not drop_last:
                idx = perm[full * batch_size :]
                yield np.take(X, idx, axis=0), np.take(y, idx, axis=0)
        """,
        "Full batches from divmod, then the remainder; np.take along axis 0.",
    ),
    _m(
        MB,
        "split_at_multiples",
        "alt",
        """
        def _minibatches_chunks(order, batch_size):
            return np.split(order, np.arange(batch_size, len(order), batch_size))


        def minibatches(X, y, batch_size, rng=None, drop_last=False):
            if rng is None:
                rng = np.random.default_rng()
            order = rng.permutation(X.shape[0])
            for idx in _minibatches_chunks(order, batch_size):
                if drop_last and len(idx) < batch_size:
                    break
                yield X[idx], y[idx]
        """,
        "np.split at the multiples of batch_size (exact batches, unlike np.array_split), "
        "in a private helper.",
    ),
    _m(
        MB,
        "separate_permutations",
        "bug",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            N = X.shape[0]
            X_shuffled = X[rng.permutation(N)]
            y_shuffled = y[rng.permutation(N)]
            stop = N - N % batch_size if drop_last else N
            for start in range(0, stop, batch_size):
                yield X_shuffled[start : start + batch_size], y_shuffled[start : start + batch_size]
        """,
        "Shuffles X and y with two different permutations (rng.permutation called twice), "
        "so rows and labels no longer match. Exposed by `coverage` (alignment), "
        "`seeded-order` and `two-epochs`.",
    ),
    _m(
        MB,
        "permutation_per_batch",
        "bug",
        _edit(
            _MB_BASE,
            ("    order = rng.permutation(N)\n", ""),
            (
                "        idx = order[start : start + batch_size]\n",
                "        idx = rng.permutation(N)[start : start + batch_size]\n",
            ),
        ),
        "Draws a fresh permutation for every batch, so samples repeat or go missing in an "
        "epoch. Exposed by `coverage` and `seeded-order` (any epoch with 2+ batches).",
    ),
    _m(
        MB,
        "always_drops_last",
        "bug",
        _edit(
            _MB_BASE,
            ("    stop = N - N % batch_size if drop_last else N\n", ""),
            ("range(0, stop, batch_size)", "range(0, N - batch_size + 1, batch_size)"),
        ),
        "Loops only while a full batch fits, so the partial batch is lost even when "
        "drop_last=False. Exposed by `sizes`/`coverage` with N % bs != 0 (N = 23, bs = 5).",
    ),
    _m(
        MB,
        "off_by_one_last_sample",
        "bug",
        _edit(
            _MB_BASE,
            (
                "        idx = order[start : start + batch_size]\n",
                "        end = min(start + batch_size, N - 1)\n        idx = order[start:end]\n",
            ),
        ),
        "Clips the slice end at the last index N - 1 (as if slices were inclusive), so the "
        "last sample of the permutation never appears. Exposed by `coverage`/`seeded-order`.",
    ),
    _m(
        MB,
        "no_shuffle",
        "bug",
        _edit(_MB_BASE, ("order = rng.permutation(N)", "order = np.arange(N)")),
        "Never shuffles: batches follow the data order and rng is unused. Exposed by "
        "`seeded-order` and `two-epochs` (both epochs are identical).",
    ),
    _m(
        MB,
        "choice_with_replacement",
        "bug",
        _edit(_MB_BASE, ("order = rng.permutation(N)", "order = rng.choice(N, size=N)")),
        "Samples indices with replacement (rng.choice's default), so some rows repeat and "
        "others are missing. Exposed by `coverage` and `seeded-order`.",
    ),
    _m(
        MB,
        "yields_indices",
        "bug",
        _edit(_MB_BASE, ("        yield X[idx], y[idx]\n", "        yield idx\n")),
        "Yields the index batches instead of (X_batch, y_batch). Exposed by any test that "
        "unpacks or compares the batches (`seeded-order`).",
    ),
    _m(
        MB,
        "shuffles_caller_data_in_place",
        "bug",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            N = X.shape[0]
            order = rng.permutation(N)
            X[:] = X[order]
            y[:] = y[order]
            stop = N - N % batch_size if drop_last else N
            for start in range(0, stop, batch_size):
                yield X[start : start + batch_size], y[start : start + batch_size]
        """,
        "Shuffles the caller's X and y in place; the first epoch looks right but the data "
        "is reordered. Exposed by `X-unchanged` and by `two-epochs` (the second epoch "
        "permutes the already shuffled data).",
    ),
    _m(
        MB,
        "inclusive_end_overlap",
        "bug",
        _edit(
            _MB_BASE, ("order[start : start + batch_size]", "order[start : start + batch_size + 1]")
        ),
        "Slice end off by one (batch_size + 1 rows), so consecutive batches overlap and "
        "samples repeat. Exposed by `sizes`, `coverage` and `seeded-order`.",
    ),
    _m(
        MB,
        "array_split_equal_sizes",
        "bug",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            N = X.shape[0]
            order = rng.permutation(N)
            num_batches = int(np.ceil(N / batch_size))
            for idx in np.array_split(order, num_batches):
                if drop_last and len(idx) < batch_size:
                    continue
                yield X[idx], y[idx]
        """,
        "np.array_split makes near-equal batches (N = 23, bs = 5 gives 5, 5, 5, 4, 4 instead "
        "of 5, 5, 5, 5, 3). Exposed by `sizes`/`seeded-order` when N % bs is not 0 or bs - 1.",
    ),
    _m(
        MB,
        "ignores_drop_last",
        "bug",
        _edit(_MB_BASE, ("    stop = N - N % batch_size if drop_last else N\n", "    stop = N\n")),
        "Accepts drop_last but always yields the partial batch. Exposed by `sizes` with "
        "drop_last=True and N % bs != 0.",
    ),
    _m(
        MB,
        "own_seeded_rng",
        "bug",
        _edit(
            _MB_BASE,
            ("order = rng.permutation(N)", "order = np.random.default_rng(0).permutation(N)"),
        ),
        "Ignores the rng argument and builds its own seeded Generator, so every epoch has "
        "the same order. Exposed by `seeded-order` (seed != 0) and `two-epochs`.",
    ),
    _m(
        MB,
        "shuffles_X_only",
        "bug",
        """
        def minibatches(X, y, batch_size, rng, drop_last=False):
            N = X.shape[0]
            X_shuffled = X[rng.permutation(N)]
            stop = N - N % batch_size if drop_last else N
            for start in range(0, stop, batch_size):
                yield X_shuffled[start : start + batch_size], y[start : start + batch_size]
        """,
        "Shuffles X but slices y in its original order, so labels no longer match rows. "
        "Exposed by `coverage` (alignment) and `seeded-order` (y batches).",
    ),
]


# --------------------------------------------------------------------------------------
# sgd(w, dw, config=None)
# --------------------------------------------------------------------------------------

_SGD_BASE = """
def sgd(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w, config
"""

_SGD = [
    _m(
        SGD,
        "config_or_empty",
        "alt",
        """
        def sgd(w, dw, config=None):
            config = config or {}
            config.setdefault("learning_rate", 1e-2)
            return w - config["learning_rate"] * dw, config
        """,
        "`config = config or {}` (sgd keeps no state, so a fresh dict for {} is harmless).",
    ),
    _m(
        SGD,
        "copy_then_inplace",
        "alt",
        """
        def sgd(w, dw, config=None):
            if config is None:
                config = {}
            if "learning_rate" not in config:
                config["learning_rate"] = 1e-2
            next_w = w.copy()
            next_w -= config["learning_rate"] * dw
            return next_w, config
        """,
        "In-place subtraction on a copy of w.",
    ),
    _m(
        SGD,
        "get_writeback_ufuncs",
        "alt",
        """
        def sgd(w, dw, config=None):
            config = {} if config is None else config
            lr = config["learning_rate"] = config.get("learning_rate", 1e-2)
            next_w = np.subtract(w, np.multiply(lr, dw))
            return next_w, config
        """,
        "dict.get default written back into config; np.subtract/np.multiply.",
    ),
    _m(
        SGD,
        "defaults_helper",
        "alt",
        """
        def _sgd_fill_defaults(config):
            for key, value in {"learning_rate": 1e-2}.items():
                config.setdefault(key, value)
            return config


        def sgd(w, dw, config=None):
            config = _sgd_fill_defaults({} if config is None else config)
            step = config["learning_rate"] * dw
            return w - step, config
        """,
        "Defaults filled by a private helper; the step computed first.",
    ),
    _m(
        SGD,
        "in_place",
        "bug",
        _edit(
            _SGD_BASE,
            (
                '    next_w = w - config["learning_rate"] * dw\n',
                '    w -= config["learning_rate"] * dw\n    next_w = w\n',
            ),
        ),
        "`w -= lr * dw` updates the caller's array in place. Exposed by `w-unchanged`.",
    ),
    _m(
        SGD,
        "hardcoded_lr",
        "bug",
        _edit(_SGD_BASE, ('w - config["learning_rate"] * dw', "w - 1e-2 * dw")),
        "Sets the default but then uses the constant 1e-2, ignoring config. Exposed only by "
        "`custom-lr`.",
    ),
    _m(
        SGD,
        "overwrites_lr",
        "bug",
        _edit(
            _SGD_BASE,
            ('config.setdefault("learning_rate", 1e-2)', 'config["learning_rate"] = 1e-2'),
        ),
        "Assigns the default instead of setdefault, overwriting the user's rate. Exposed "
        "by `custom-lr`.",
    ),
    _m(
        SGD,
        "sign_error",
        "bug",
        _edit(_SGD_BASE, ('w - config["learning_rate"] * dw', 'w + config["learning_rate"] * dw')),
        "Gradient ascent: adds the gradient. Exposed by `any`.",
    ),
    _m(
        SGD,
        "divides_by_size",
        "bug",
        _edit(
            _SGD_BASE,
            ('w - config["learning_rate"] * dw', 'w - config["learning_rate"] * dw / dw.size'),
        ),
        "Averages the gradient again over its entries (confusing dw with a per-sample sum). "
        "Exposed by `any`.",
    ),
    _m(
        SGD,
        "no_default",
        "bug",
        _edit(_SGD_BASE, ('    config.setdefault("learning_rate", 1e-2)\n', "")),
        "Creates an empty config but never fills the default: KeyError for config=None. "
        "Exposed by `defaults`.",
    ),
    _m(
        SGD,
        "default_lr_1e-3",
        "bug",
        _edit(
            _SGD_BASE,
            (
                'config.setdefault("learning_rate", 1e-2)',
                'config.setdefault("learning_rate", 1e-3)',
            ),
        ),
        "Uses adam's default rate 1e-3 for sgd. Exposed by `defaults`.",
    ),
    _m(
        SGD,
        "returns_step",
        "bug",
        _edit(_SGD_BASE, ("    return next_w, config\n", "    return next_w - w, config\n")),
        "Returns the update (delta w) instead of the new weights. Exposed by `any`.",
    ),
    _m(
        SGD,
        "returns_only_w",
        "bug",
        _edit(_SGD_BASE, ("    return next_w, config\n", "    return next_w\n")),
        "Forgets the (next_w, config) pair and returns only next_w. Exposed by `any` "
        "(unpacking fails or compares the wrong object).",
    ),
]


# --------------------------------------------------------------------------------------
# sgd_momentum(w, dw, config=None)
# --------------------------------------------------------------------------------------

_MOM_BASE = """
def sgd_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    lr, mu = config["learning_rate"], config["momentum"]
    v = mu * v - lr * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
"""

_SGD_MOMENTUM = [
    _m(
        MOM,
        "setdefault_state_ufuncs",
        "alt",
        """
        def sgd_momentum(w, dw, config=None):
            config = {} if config is None else config
            lr = config.setdefault("learning_rate", 1e-2)
            mu = config.setdefault("momentum", 0.9)
            velocity = config.setdefault("velocity", np.zeros_like(w))
            velocity = np.subtract(mu * velocity, lr * dw)
            config["velocity"] = velocity
            return np.add(w, velocity), config
        """,
        "State created with setdefault; np.subtract/np.add.",
    ),
    _m(
        MOM,
        "copy_then_inplace",
        "alt",
        """
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            if "velocity" not in config:
                config["velocity"] = np.zeros(w.shape)
            v = config["momentum"] * config["velocity"]
            v -= config["learning_rate"] * dw
            config["velocity"] = v
            next_w = w.copy()
            next_w += v
            return next_w, config
        """,
        "In-place operations on fresh arrays (a new velocity, a copy of w).",
    ),
    _m(
        MOM,
        "defaults_loop_negated",
        "alt",
        """
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            for key, value in (("learning_rate", 1e-2), ("momentum", 0.9)):
                if key not in config:
                    config[key] = value
            v = config["velocity"] if "velocity" in config else np.zeros_like(w)
            v = -(config["learning_rate"] * dw - config["momentum"] * v)
            config["velocity"] = v
            return w + v, config
        """,
        "Defaults from a loop; v written as -(lr*dw - mu*v), which is exactly mu*v - lr*dw.",
    ),
    _m(
        MOM,
        "velocity_not_stored",
        "bug",
        _edit(_MOM_BASE, ('    config["velocity"] = v\n', "")),
        "Never stores the velocity, so every step is plain SGD with rate lr. Exposed by "
        "`multi-step` (step 2) and the state-key check.",
    ),
    _m(
        MOM,
        "velocity_starts_at_dw",
        "bug",
        _edit(
            _MOM_BASE, ('config.get("velocity", np.zeros_like(w))', 'config.get("velocity", dw)')
        ),
        "Initialises the velocity with the gradient instead of zeros. Exposed by `any` "
        "(first step).",
    ),
    _m(
        MOM,
        "plus_lr_dw",
        "bug",
        _edit(_MOM_BASE, ("v = mu * v - lr * dw", "v = mu * v + lr * dw")),
        "Adds lr * dw to the velocity and then adds the velocity to w (ascent). Exposed by `any`.",
    ),
    _m(
        MOM,
        "in_place",
        "bug",
        _edit(_MOM_BASE, ("    next_w = w + v\n", "    w += v\n    next_w = w\n")),
        "`w += v` changes the caller's weights. Exposed by `w-unchanged`.",
    ),
    _m(
        MOM,
        "ema_velocity",
        "bug",
        _edit(
            _MOM_BASE,
            (
                "    v = mu * v - lr * dw\n    next_w = w + v\n",
                "    v = mu * v + (1 - mu) * dw\n    next_w = w - lr * v\n",
            ),
        ),
        "Uses the damped (EMA) momentum v = mu v + (1 - mu) dw, a step (1 - mu) times too "
        "small. Exposed by `any`.",
    ),
    _m(
        MOM,
        "uses_old_velocity",
        "bug",
        _edit(
            _MOM_BASE,
            (
                "    v = mu * v - lr * dw\n    next_w = w + v\n",
                "    next_w = w + v\n    v = mu * v - lr * dw\n",
            ),
        ),
        "Moves w with the previous velocity, so the first step does nothing. Exposed by "
        "`any` (first step returns w).",
    ),
    _m(
        MOM,
        "hardcoded_momentum",
        "bug",
        _edit(
            _MOM_BASE,
            (
                'lr, mu = config["learning_rate"], config["momentum"]',
                'lr, mu = config["learning_rate"], 0.9',
            ),
        ),
        "Ignores the momentum in config (always 0.9). Exposed only by `custom-mu` over 2+ steps.",
    ),
    _m(
        MOM,
        "wrong_state_key",
        "bug",
        _edit(_MOM_BASE, ('    config["velocity"] = v\n', '    config["v"] = v\n')),
        "Stores the state under 'v' but reads 'velocity', so the momentum is lost between "
        "steps. Exposed by `multi-step` and the state-key check.",
    ),
]


# --------------------------------------------------------------------------------------
# nesterov_momentum(w, dw, config=None)
# --------------------------------------------------------------------------------------

_NAG_BASE = """
def nesterov_momentum(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    lr, mu = config["learning_rate"], config["momentum"]
    v_prev = v
    v = mu * v - lr * dw
    next_w = w - mu * v_prev + (1 + mu) * v
    config["velocity"] = v
    return next_w, config
"""

_NESTEROV = [
    _m(
        NAG,
        "lookahead_form",
        "alt",
        """
        def nesterov_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            mu = config["momentum"]
            v = mu * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
            config["velocity"] = v
            return w + mu * v - config["learning_rate"] * dw, config
        """,
        "The equivalent form w + mu*v_new - lr*dw (= w - mu*v_prev + (1+mu)*v_new).",
    ),
    _m(
        NAG,
        "expanded_coefficients",
        "alt",
        """
        def nesterov_momentum(w, dw, config=None):
            config = {} if config is None else config
            lr = config.setdefault("learning_rate", 1e-2)
            mu = config.setdefault("momentum", 0.9)
            v_prev = config.get("velocity", np.zeros_like(w))
            next_w = w + mu * mu * v_prev - (1 + mu) * lr * dw
            config["velocity"] = mu * v_prev - lr * dw
            return next_w, config
        """,
        "The update expanded: w + mu^2 v_prev - (1 + mu) lr dw.",
    ),
    _m(
        NAG,
        "copy_then_inplace",
        "alt",
        """
        def nesterov_momentum(w, dw, config=None):
            if config is None:
                config = {}
            if "learning_rate" not in config:
                config["learning_rate"] = 1e-2
            if "momentum" not in config:
                config["momentum"] = 0.9
            mu = config["momentum"]
            v_prev = config["velocity"] if "velocity" in config else np.zeros(w.shape)
            v = mu * v_prev - config["learning_rate"] * dw
            next_w = w.copy()
            next_w -= mu * v_prev
            next_w += (1 + mu) * v
            config["velocity"] = v
            return next_w, config
        """,
        "In-place operations on a copy of w.",
    ),
    _m(
        NAG,
        "velocity_plus_correction",
        "alt",
        """
        def nesterov_momentum(w, dw, config=None):
            config = config if config is not None else {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            config.setdefault("velocity", np.zeros_like(w))
            v_prev = config["velocity"]
            v = config["momentum"] * v_prev - config["learning_rate"] * dw
            config["velocity"] = v
            return w + v + config["momentum"] * (v - v_prev), config
        """,
        "w + v + mu * (v - v_prev), algebraically the CS231n form.",
    ),
    _m(
        NAG,
        "plain_momentum",
        "bug",
        _edit(_NAG_BASE, ("w - mu * v_prev + (1 + mu) * v", "w + v")),
        "Implements classical momentum instead of Nesterov. Exposed by `any` (first step "
        "is w + v instead of w + (1 + mu) v).",
    ),
    _m(
        NAG,
        "sign_of_v_prev",
        "bug",
        _edit(_NAG_BASE, ("w - mu * v_prev + (1 + mu) * v", "w + mu * v_prev + (1 + mu) * v")),
        "Adds mu * v_prev instead of subtracting it. The first step is right (v_prev = 0); "
        "exposed by `multi-step` (step 2).",
    ),
    _m(
        NAG,
        "one_minus_mu",
        "bug",
        _edit(_NAG_BASE, ("(1 + mu) * v", "(1 - mu) * v")),
        "Writes (1 - mu) instead of (1 + mu). Exposed by `any`.",
    ),
    _m(
        NAG,
        "aliased_inplace_velocity",
        "bug",
        _edit(
            _NAG_BASE,
            (
                '    v = config.get("velocity", np.zeros_like(w))\n',
                '    v = config.setdefault("velocity", np.zeros_like(w))\n',
            ),
            ("    v = mu * v - lr * dw\n", "    v *= mu\n    v -= lr * dw\n"),
        ),
        "Saves v_prev = v and then updates v in place, so v_prev is the same array as the "
        "new v (the update degenerates to w + v). Exposed by `any` (first step).",
    ),
    _m(
        NAG,
        "velocity_not_stored",
        "bug",
        _edit(_NAG_BASE, ('    config["velocity"] = v\n', "")),
        "Never stores the velocity: every step starts from v = 0. Exposed by `multi-step` "
        "(step 2) and the state-key check.",
    ),
    _m(
        NAG,
        "hardcoded_momentum",
        "bug",
        _edit(
            _NAG_BASE,
            (
                'lr, mu = config["learning_rate"], config["momentum"]',
                'lr, mu = config["learning_rate"], 0.9',
            ),
        ),
        "Ignores the momentum in config (always 0.9). Exposed by `custom-mu`.",
    ),
    _m(
        NAG,
        "in_place",
        "bug",
        _edit(
            _NAG_BASE,
            (
                "    next_w = w - mu * v_prev + (1 + mu) * v\n",
                "    w += -mu * v_prev + (1 + mu) * v\n    next_w = w\n",
            ),
        ),
        "`w += ...` changes the caller's weights. Exposed by `w-unchanged`.",
    ),
    _m(
        NAG,
        "lookahead_without_lr_dw",
        "bug",
        _edit(_NAG_BASE, ("w - mu * v_prev + (1 + mu) * v", "w + mu * v")),
        "Half-remembered look-ahead form: w + mu * v without the -lr * dw term. Exposed by `any`.",
    ),
]


# --------------------------------------------------------------------------------------
# adagrad(w, dw, config=None)
# --------------------------------------------------------------------------------------

_ADAGRAD_BASE = """
def adagrad(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    cache = cache + dw**2
    lr, eps = config["learning_rate"], config["epsilon"]
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    config["cache"] = cache
    return next_w, config
"""

_ADAGRAD = [
    _m(
        ADAGRAD,
        "copy_then_inplace",
        "alt",
        """
        def adagrad(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("epsilon", 1e-8)
            cache = config.get("cache", np.zeros_like(w)).copy()
            cache += dw * dw
            config["cache"] = cache
            next_w = w.copy()
            next_w -= config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
            return next_w, config
        """,
        "In-place accumulation into a copy of the cache; dw * dw.",
    ),
    _m(
        ADAGRAD,
        "ufuncs_step",
        "alt",
        """
        def adagrad(w, dw, config=None):
            config = {} if config is None else config
            lr = config.setdefault("learning_rate", 1e-2)
            eps = config.setdefault("epsilon", 1e-8)
            cache = np.add(config.get("cache", np.zeros_like(w)), np.square(dw))
            step = np.divide(lr * dw, np.add(np.sqrt(cache), eps))
            config["cache"] = cache
            return np.subtract(w, step), config
        """,
        "np.square/np.add/np.divide, with the step computed separately.",
    ),
    _m(
        ADAGRAD,
        "setdefault_state",
        "alt",
        """
        def adagrad(w, dw, config=None):
            if config is None:
                config = {}
            for key, value in {"learning_rate": 1e-2, "epsilon": 1e-8}.items():
                config.setdefault(key, value)
            config.setdefault("cache", np.zeros(w.shape))
            config["cache"] = config["cache"] + dw**2
            denom = np.sqrt(config["cache"]) + config["epsilon"]
            return w - config["learning_rate"] * dw / denom, config
        """,
        "State created with setdefault and replaced (not mutated) each step.",
    ),
    _m(
        ADAGRAD,
        "eps_inside_sqrt",
        "bug",
        _edit(_ADAGRAD_BASE, ("(np.sqrt(cache) + eps)", "np.sqrt(cache + eps)")),
        "Adds epsilon inside the square root. Exposed by `large-eps` (also visible with the "
        "default 1e-8 and gradients ~1e-3).",
    ),
    _m(
        ADAGRAD,
        "cache_not_accumulated",
        "bug",
        _edit(_ADAGRAD_BASE, ("    cache = cache + dw**2\n", "    cache = dw**2\n")),
        "Overwrites the cache with the current dw**2 instead of summing. Exposed by "
        "`multi-step` (step 2).",
    ),
    _m(
        ADAGRAD,
        "missing_sqrt",
        "bug",
        _edit(_ADAGRAD_BASE, ("(np.sqrt(cache) + eps)", "(cache + eps)")),
        "Divides by the sum of squares, not its square root. Exposed by `any`.",
    ),
    _m(
        ADAGRAD,
        "cache_not_stored",
        "bug",
        _edit(_ADAGRAD_BASE, ('    config["cache"] = cache\n', "")),
        "Never stores the cache, so every step starts from zero. Exposed by `multi-step` "
        "and the state-key check.",
    ),
    _m(
        ADAGRAD,
        "eps_precedence",
        "bug",
        _edit(
            _ADAGRAD_BASE,
            ("w - lr * dw / (np.sqrt(cache) + eps)", "w - lr * dw / np.sqrt(cache) + eps"),
        ),
        "Missing parentheses: epsilon is added to w instead of the denominator. Exposed by "
        "`large-eps` (epsilon 1e-4 or 1.0).",
    ),
    _m(
        ADAGRAD,
        "forgets_square",
        "bug",
        _edit(_ADAGRAD_BASE, ("    cache = cache + dw**2\n", "    cache = cache + dw\n")),
        "Accumulates dw instead of dw**2 (sqrt of negative entries gives nan). Exposed by "
        "`any` gradient with negative entries or |dw| != 1.",
    ),
    _m(
        ADAGRAD,
        "in_place",
        "bug",
        _edit(
            _ADAGRAD_BASE,
            (
                "    next_w = w - lr * dw / (np.sqrt(cache) + eps)\n",
                "    w -= lr * dw / (np.sqrt(cache) + eps)\n    next_w = w\n",
            ),
        ),
        "`w -= ...` changes the caller's weights. Exposed by `w-unchanged`.",
    ),
    _m(
        ADAGRAD,
        "hardcoded_lr",
        "bug",
        _edit(
            _ADAGRAD_BASE,
            (
                'lr, eps = config["learning_rate"], config["epsilon"]',
                'lr, eps = 1e-2, config["epsilon"]',
            ),
        ),
        "Uses the constant 1e-2 instead of config's learning_rate. Exposed only by `custom-lr`.",
    ),
]


# --------------------------------------------------------------------------------------
# rmsprop(w, dw, config=None)
# --------------------------------------------------------------------------------------

_RMS_BASE = """
def rmsprop(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    cache = config.get("cache", np.zeros_like(w))
    dr = config["decay_rate"]
    cache = dr * cache + (1 - dr) * dw**2
    lr, eps = config["learning_rate"], config["epsilon"]
    next_w = w - lr * dw / (np.sqrt(cache) + eps)
    config["cache"] = cache
    return next_w, config
"""

_RMSPROP = [
    _m(
        RMS,
        "square_ufunc_copy",
        "alt",
        """
        def rmsprop(w, dw, config=None):
            if config is None:
                config = {}
            lr = config.setdefault("learning_rate", 1e-2)
            dr = config.setdefault("decay_rate", 0.99)
            eps = config.setdefault("epsilon", 1e-8)
            cache = dr * config.get("cache", np.zeros_like(w))
            cache += (1 - dr) * np.square(dw)
            config["cache"] = cache
            next_w = w.copy()
            next_w -= lr * dw / (np.sqrt(cache) + eps)
            return next_w, config
        """,
        "np.square, in-place ops on fresh arrays and a copy of w.",
    ),
    _m(
        RMS,
        "get_writeback_divide",
        "alt",
        """
        def rmsprop(w, dw, config=None):
            config = {} if config is None else config
            lr = config["learning_rate"] = config.get("learning_rate", 1e-2)
            dr = config["decay_rate"] = config.get("decay_rate", 0.99)
            eps = config["epsilon"] = config.get("epsilon", 1e-8)
            old = config["cache"] if "cache" in config else np.zeros(w.shape)
            config["cache"] = dr * old + (1 - dr) * (dw * dw)
            next_w = w - np.divide(lr * dw, np.sqrt(config["cache"]) + eps)
            return next_w, config
        """,
        "dict.get defaults written back; np.divide; dw * dw.",
    ),
    _m(
        RMS,
        "defaults_helper",
        "alt",
        """
        def _rmsprop_defaults(config):
            config = {} if config is None else config
            for key, value in (("learning_rate", 1e-2), ("decay_rate", 0.99), ("epsilon", 1e-8)):
                if key not in config:
                    config[key] = value
            return config


        def rmsprop(w, dw, config=None):
            config = _rmsprop_defaults(config)
            decay = config["decay_rate"]
            cache = config.setdefault("cache", np.zeros_like(w))
            cache = decay * cache + (1 - decay) * dw**2
            config["cache"] = cache
            rms = np.sqrt(cache)
            return w - config["learning_rate"] * dw / (rms + config["epsilon"]), config
        """,
        "Defaults in a private helper; the RMS computed in its own line.",
    ),
    _m(
        RMS,
        "decay_swapped",
        "bug",
        _edit(_RMS_BASE, ("dr * cache + (1 - dr) * dw**2", "(1 - dr) * cache + dr * dw**2")),
        "Swaps decay_rate and 1 - decay_rate. Exposed by `any` (first step: cache is "
        "0.99 dw**2 instead of 0.01 dw**2).",
    ),
    _m(
        RMS,
        "cache_not_stored",
        "bug",
        _edit(_RMS_BASE, ('    config["cache"] = cache\n', "")),
        "Never stores the cache, so every step starts from zero. Exposed by `multi-step` "
        "and the state-key check.",
    ),
    _m(
        RMS,
        "eps_inside_sqrt",
        "bug",
        _edit(_RMS_BASE, ("(np.sqrt(cache) + eps)", "np.sqrt(cache + eps)")),
        "Adds epsilon inside the square root. Exposed by `large-eps` (also visible with the "
        "default 1e-8 and gradients ~1e-3).",
    ),
    _m(
        RMS,
        "no_one_minus_dr",
        "bug",
        _edit(_RMS_BASE, ("dr * cache + (1 - dr) * dw**2", "dr * cache + dw**2")),
        "Leaves out the (1 - decay_rate) factor on dw**2. Exposed by `any`.",
    ),
    _m(
        RMS,
        "missing_sqrt",
        "bug",
        _edit(_RMS_BASE, ("(np.sqrt(cache) + eps)", "(cache + eps)")),
        "Divides by the mean square, not the root mean square. Exposed by `any`.",
    ),
    _m(
        RMS,
        "default_decay_0.9",
        "bug",
        _edit(
            _RMS_BASE,
            ('config.setdefault("decay_rate", 0.99)', 'config.setdefault("decay_rate", 0.9)'),
        ),
        "Default decay_rate 0.9 (Hinton's slides) instead of the course's 0.99. Exposed by "
        "`defaults`.",
    ),
    _m(
        RMS,
        "adagrad_accumulation",
        "bug",
        _edit(_RMS_BASE, ("dr * cache + (1 - dr) * dw**2", "cache + dw**2")),
        "Accumulates like Adagrad and ignores decay_rate. Exposed by `any`.",
    ),
    _m(
        RMS,
        "in_place",
        "bug",
        _edit(
            _RMS_BASE,
            (
                "    next_w = w - lr * dw / (np.sqrt(cache) + eps)\n",
                "    w -= lr * dw / (np.sqrt(cache) + eps)\n    next_w = w\n",
            ),
        ),
        "`w -= ...` changes the caller's weights. Exposed by `w-unchanged`.",
    ),
]


# --------------------------------------------------------------------------------------
# adam(w, dw, config=None)
# --------------------------------------------------------------------------------------

_ADAM_BASE = """
def adam(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    t = config.get("t", 0)
    lr, eps = config["learning_rate"], config["epsilon"]
    b1, b2 = config["beta1"], config["beta2"]
    t = t + 1
    m = b1 * m + (1 - b1) * dw
    v = b2 * v + (1 - b2) * dw**2
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    config["m"] = m
    config["v"] = v
    config["t"] = t
    return next_w, config
"""

_ADAM = [
    _m(
        ADAM,
        "explicit_ufuncs",
        "alt",
        """
        def adam(w, dw, config=None):
            if config is None:
                config = {}
            lr = config.setdefault("learning_rate", 1e-3)
            beta1 = config.setdefault("beta1", 0.9)
            beta2 = config.setdefault("beta2", 0.999)
            eps = config.setdefault("epsilon", 1e-8)
            t = config.get("t", 0) + 1
            m = np.add(beta1 * config.get("m", np.zeros_like(w)), (1 - beta1) * dw)
            v = np.add(beta2 * config.get("v", np.zeros_like(w)), (1 - beta2) * np.square(dw))
            m_hat = np.divide(m, 1 - beta1**t)
            v_hat = np.divide(v, 1 - beta2**t)
            next_w = np.subtract(w, lr * m_hat / np.add(np.sqrt(v_hat), eps))
            config.update(m=m, v=v, t=t)
            return next_w, config
        """,
        "Bias-corrected moments computed explicitly with numpy ufuncs.",
    ),
    _m(
        ADAM,
        "setdefault_counter",
        "alt",
        """
        def _adam_init(config, w):
            defaults = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
            for key, value in defaults.items():
                config.setdefault(key, value)
            config.setdefault("m", np.zeros_like(w))
            config.setdefault("v", np.zeros_like(w))
            config.setdefault("t", 0)


        def adam(w, dw, config=None):
            config = {} if config is None else config
            _adam_init(config, w)
            config["t"] += 1
            t = config["t"]
            b1, b2 = config["beta1"], config["beta2"]
            config["m"] = b1 * config["m"] + (1 - b1) * dw
            config["v"] = b2 * config["v"] + (1 - b2) * (dw * dw)
            m_hat = config["m"] / (1 - b1**t)
            v_hat = config["v"] / (1 - b2**t)
            next_w = w.copy()
            next_w -= config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
            return next_w, config
        """,
        "State created by a private helper; t incremented in config before use; in-place "
        "update of a copy of w.",
    ),
    _m(
        ADAM,
        "ema_increment_form",
        "alt",
        """
        def adam(w, dw, config=None):
            if config is None:
                config = {}
            for key, value in (
                ("learning_rate", 1e-3),
                ("beta1", 0.9),
                ("beta2", 0.999),
                ("epsilon", 1e-8),
            ):
                if key not in config:
                    config[key] = value
            m = config["m"] if "m" in config else np.zeros(w.shape)
            v = config["v"] if "v" in config else np.zeros(w.shape)
            t = config["t"] + 1 if "t" in config else 1
            m = m + (1 - config["beta1"]) * (dw - m)
            v = v + (1 - config["beta2"]) * (dw**2 - v)
            config["m"], config["v"], config["t"] = m, v, t
            m_hat = m / (1 - config["beta1"] ** t)
            v_hat = v / (1 - config["beta2"] ** t)
            step = config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
            return w - step, config
        """,
        "Moments updated as m += (1 - b1)(dw - m), algebraically b1 m + (1 - b1) dw.",
    ),
    _m(
        ADAM,
        "no_bias_correction",
        "bug",
        _edit(
            _ADAM_BASE,
            ("m_hat = m / (1 - b1**t)", "m_hat = m"),
            ("v_hat = v / (1 - b2**t)", "v_hat = v"),
        ),
        "Leaves out the bias correction. Exposed by `any` (first steps are far too small "
        "with b1 = 0.9, b2 = 0.999).",
    ),
    _m(
        ADAM,
        "t_incremented_after_use",
        "bug",
        _edit(
            _ADAM_BASE,
            ("    t = t + 1\n", ""),
            ('    config["t"] = t\n', '    config["t"] = t + 1\n'),
        ),
        "Uses t before incrementing it: at the first step 1 - beta**0 = 0 divides by zero "
        "(nan/inf). Exposed by `any` (first step).",
    ),
    _m(
        ADAM,
        "same_beta_correction",
        "bug",
        _edit(_ADAM_BASE, ("v_hat = v / (1 - b2**t)", "v_hat = v / (1 - b1**t)")),
        "Bias-corrects v with beta1 too. Exposed by `any`.",
    ),
    _m(
        ADAM,
        "stores_corrected_moments",
        "bug",
        _edit(
            _ADAM_BASE,
            ('    config["m"] = m\n', '    config["m"] = m_hat\n'),
            ('    config["v"] = v\n', '    config["v"] = v_hat\n'),
        ),
        "Stores m_hat and v_hat as the running moments, so the correction compounds. "
        "Exposed by `multi-step` (step 2).",
    ),
    _m(
        ADAM,
        "v_uses_dw",
        "bug",
        _edit(_ADAM_BASE, ("(1 - b2) * dw**2", "(1 - b2) * dw")),
        "Second moment from dw instead of dw**2 (sqrt of negative entries gives nan). "
        "Exposed by `any` gradient with negative entries or |dw| != 1.",
    ),
    _m(
        ADAM,
        "default_lr_1e-2",
        "bug",
        _edit(
            _ADAM_BASE,
            (
                'config.setdefault("learning_rate", 1e-3)',
                'config.setdefault("learning_rate", 1e-2)',
            ),
        ),
        "Uses the other rules' default rate 1e-2. Exposed by `defaults`.",
    ),
    _m(
        ADAM,
        "t_not_stored",
        "bug",
        _edit(_ADAM_BASE, ('    config["t"] = t\n', "")),
        "Never stores t, so the bias correction always uses t = 1. Exposed by "
        "`multi-step` (step 2) and the state-key check.",
    ),
    _m(
        ADAM,
        "eps_inside_sqrt",
        "bug",
        _edit(_ADAM_BASE, ("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")),
        "Adds epsilon inside the square root. Exposed by `large-eps`.",
    ),
    _m(
        ADAM,
        "folded_lr_t",
        "bug",
        _edit(
            _ADAM_BASE,
            (
                "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)\n",
                "    lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)\n"
                "    next_w = w - lr_t * m / (np.sqrt(v) + eps)\n",
            ),
        ),
        "The paper's 'efficient' form that folds the correction into lr_t; it moves epsilon "
        "outside the correction, which the course formula does not. Exposed by `large-eps` "
        "(epsilon 1e-4 with gradients 1e-3).",
    ),
    _m(
        ADAM,
        "m_without_one_minus_b1",
        "bug",
        _edit(_ADAM_BASE, ("m = b1 * m + (1 - b1) * dw", "m = b1 * m + dw")),
        "Leaves out the (1 - beta1) factor in the first moment. Exposed by `any`.",
    ),
    _m(
        ADAM,
        "in_place",
        "bug",
        _edit(
            _ADAM_BASE,
            (
                "    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)\n",
                "    w -= lr * m_hat / (np.sqrt(v_hat) + eps)\n    next_w = w\n",
            ),
        ),
        "`w -= ...` changes the caller's weights. Exposed by `w-unchanged`.",
    ),
]


MUTANTS: list[Mutant] = [
    *_MINIBATCHES,
    *_SGD,
    *_SGD_MOMENTUM,
    *_NESTEROV,
    *_ADAGRAD,
    *_RMSPROP,
    *_ADAM,
]


# Bugs with one slip in one concern: they keep the points of the concerns they do not touch
# (tests/test_assignments.py, test_one_slip_costs_once). (target, name) pairs. A bug whose
# result is wrong on every ordinary input is not listed: every concern's cell also checks
# an ordinary result (so that no trick earns a point), and such a bug may lose them all.
PARTIAL: tuple[tuple[str, str], ...] = (
    *(
        (MB, name)
        for name in (
            "always_drops_last",
            "shuffles_caller_data_in_place",
            "array_split_equal_sizes",
            "ignores_drop_last",
        )
    ),
    *(
        (SGD, name)
        for name in (
            "in_place",
            "hardcoded_lr",
            "overwrites_lr",
            "no_default",
            "default_lr_1e-3",
        )
    ),
    *(
        (MOM, name)
        for name in (
            "velocity_starts_at_dw",
            "in_place",
            "uses_old_velocity",
        )
    ),
    *(
        (NAG, name)
        for name in (
            "plain_momentum",
            "sign_of_v_prev",
            "one_minus_mu",
            "aliased_inplace_velocity",
            "in_place",
            "lookahead_without_lr_dw",
        )
    ),
    *(
        (ADAGRAD, name)
        for name in (
            "eps_inside_sqrt",
            "missing_sqrt",
            "eps_precedence",
            "in_place",
            "hardcoded_lr",
        )
    ),
    *(
        (RMS, name)
        for name in (
            "eps_inside_sqrt",
            "missing_sqrt",
            "default_decay_0.9",
            "in_place",
        )
    ),
    *(
        (ADAM, name)
        for name in (
            "no_bias_correction",
            "t_incremented_after_use",
            "same_beta_correction",
            "default_lr_1e-2",
            "eps_inside_sqrt",
            "folded_lr_t",
            "in_place",
        )
    ),
)
