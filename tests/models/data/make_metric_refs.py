#!/usr/bin/python3
"""Reference values of tests/models/test_metrics_sklearn.cpp, computed once with
Debian's /usr/bin/python3 (scikit-learn 1.2.1, scipy 1.10.1, numpy 1.24.2):
`/usr/bin/python3 tests/models/data/make_metric_refs.py`. Prints the inputs and
sklearn's values; the test pastes them."""
import warnings, numpy as np, sklearn
from sklearn import metrics as M
from scipy.stats import spearmanr
rng = np.random.default_rng(20261207)
n = 30
y = rng.integers(0, 2, n).astype(float)
s = np.round(rng.random(n), 1)           # one decimal: many tied scores
s[:3] = 0.5                               # exactly at the threshold
yr = np.round(rng.normal(0, 2, n), 2)
pr = np.round(yr + rng.normal(0, 1, n), 1)  # ties in both
f = lambda v: ", ".join(repr(float(x)) for x in v)
print("sklearn", sklearn.__version__)
print("y =", f(y)); print("s =", f(s)); print("yr =", f(yr)); print("pr =", f(pr))
print("roc_auc", repr(M.roc_auc_score(y, s)))
print("ap", repr(M.average_precision_score(y, s)))
prec, rec, _ = M.precision_recall_curve(y, s)
print("trapezoid pr auc (not what plmkit reports)", repr(M.auc(rec, prec)))
print("acc >=0.5", repr(M.accuracy_score(y, (s >= 0.5).astype(int))))
print("mcc >=0.5", repr(M.matthews_corrcoef(y, (s >= 0.5).astype(int))))
print("rmse", repr(float(np.sqrt(M.mean_squared_error(yr, pr)))))
print("mae", repr(M.mean_absolute_error(yr, pr)))
print("r2", repr(M.r2_score(yr, pr)))
print("spearman", repr(spearmanr(yr, pr).correlation))
c = np.full(n, 0.3)
print("const roc", repr(M.roc_auc_score(y, c)), "const ap", repr(M.average_precision_score(y, c)),
      "const mcc", repr(M.matthews_corrcoef(y, (c >= 0.5).astype(int))))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    print("allpos ap", repr(M.average_precision_score(np.ones(5), s[:5])),
          "allpos mcc", repr(M.matthews_corrcoef(np.ones(5), (s[:5] >= 0.5).astype(int))))
    print("allneg ap", repr(M.average_precision_score(np.zeros(5), s[:5])), [str(x.message) for x in w])
try:
    M.roc_auc_score(np.ones(5), s[:5])
except ValueError as e:
    print("allpos roc raises:", e)
