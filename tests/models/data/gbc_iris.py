# Reference for tests/models/test_boosted_classes.cpp on the iris data (150
# rows, 4 features, 3 classes; the copy bundled with scikit-learn, no
# download), set up like plmkit's multi-class boosting with --gbm-l2 0
# --gbm-min-leaf 1 --gbm-subsample 1 --gbm-colsample 1, learning rate 0.1,
# leaf-wise trees of at most 4 leaves, the log class priors as the
# starting scores:
#  - scikit-learn's GradientBoostingClassifier (max_leaf_nodes=4,
#    max_depth=None): its trees split on the friedman_mse of the residuals
#    y - p, each row counting the same, and only the leaf values are Newton
#    steps (K-1)/K sum(r) / sum(|r|(1-|r|));
#  - the same boosting with Newton splits, as plmkit grows them: per round
#    and class, scikit-learn's DecisionTreeRegressor (max_leaf_nodes=4) on
#    the target -g/h with sample weights h (g = p - y, h = K/(K-1) p(1-p)):
#    its weighted squared-error gain is Gl^2/Hl + Gr^2/Hr - G^2/H and its
#    leaves the weighted means -G/H. This loop is written here; the trees
#    are scikit-learn's.
# Both are the same in round 1 (every row's hessian is then the same).
# Writes iris.csv (the features as float32 values and the class index) and
# iris_gbc_proba.csv (each reference's probabilities on the 150 rows after
# 1 and 20 rounds) and prints log loss and accuracy. Run with Debian's
# /usr/bin/python3 (scikit-learn 1.2.1 here):
#   /usr/bin/python3 tests/models/data/gbc_iris.py tests/models/data
import sys

import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import log_loss
from sklearn.tree import DecisionTreeRegressor

out = sys.argv[1] if len(sys.argv) > 1 else "."
X, y = load_iris(return_X_y=True)
X = X.astype(np.float32)
K, LR, LEAVES = 3, 0.1, 4


def sklearn_gbc(rounds, seed):
    return GradientBoostingClassifier(n_estimators=rounds, learning_rate=LR, max_depth=None,
                                      max_leaf_nodes=LEAVES, min_samples_leaf=1, subsample=1.0,
                                      random_state=seed).fit(X, y).predict_proba(X)


def softmax(f):
    e = np.exp(f - f.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def newton_splits(rounds, seed):
    onehot = np.eye(K)[y]
    f = np.tile(np.log(onehot.mean(0)), (len(y), 1))
    for _ in range(rounds):
        p = softmax(f)
        step = np.zeros_like(f)
        for k in range(K):
            g = p[:, k] - onehot[:, k]
            h = K / (K - 1) * p[:, k] * (1 - p[:, k])
            tree = DecisionTreeRegressor(max_leaf_nodes=LEAVES, min_samples_leaf=1,
                                         random_state=seed).fit(X, -g / h, sample_weight=h)
            step[:, k] = LR * tree.predict(X)
        f += step
    return softmax(f)


with open(f"{out}/iris.csv", "w") as fh:
    fh.write("sepal_length,sepal_width,petal_length,petal_width,class\n")
    for row, label in zip(X, y):
        fh.write(",".join(f"{v:.9g}" for v in row) + f",{label}\n")
columns, names = [], []
for name, model in (("gbc", sklearn_gbc), ("newton", newton_splits)):
    for rounds in (1, 20):
        # Ties between features are broken by the seed: check none matters.
        probas = [model(rounds, seed) for seed in range(5)]
        spread = max(np.abs(q - probas[0]).max() for q in probas)
        p = probas[0]
        print(f"{name}, {rounds} rounds: log loss {log_loss(y, p):.6f}, accuracy "
              f"{(p.argmax(1) == y).mean():.4f}, largest change over random_state 0..4 "
              f"{spread:.2e}")
        columns.append(p)
        names += [f"{name}{rounds}_p{c}" for c in range(K)]
with open(f"{out}/iris_gbc_proba.csv", "w") as fh:
    fh.write(",".join(names) + "\n")
    for rows in zip(*columns):
        fh.write(",".join(f"{v:.9g}" for row in rows for v in row) + "\n")
