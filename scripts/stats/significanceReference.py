# Expected values for test/unit/significance.test.ts, from scipy (Debian's python3-scipy):
#   python3 scripts/stats/significanceReference.py > test/fixtures/significance-reference.json
# Each case pairs per-case pass counts of a previous and a current run. Without repeats the p-value is
# McNemar's exact test as statsmodels computes it (2 × binomial CDF at min(b, c), capped at 1); with
# repeats it is scipy.stats.ttest_rel on the per-case pass rates. The interval is the paired t interval
# of the mean difference (scipy.stats.t.ppf(0.975, n - 1) × standard error).
import json, math, random
import scipy
from scipy import stats

def case(name, previous, current):
    pairs = [(p[0] / (p[0] + p[1]), c[0] / (c[0] + c[1])) for p, c in zip(previous, current)]
    repeats = any(sum(p) > 1 or sum(c) > 1 for p, c in zip(previous, current))
    diffs = [b - a for a, b in pairs]
    n = len(diffs)
    mean = sum(diffs) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    se = sd / math.sqrt(n)
    half = stats.t.ppf(0.975, n - 1) * se
    if repeats:
        p = float(stats.ttest_rel([b for _, b in pairs], [a for a, _ in pairs]).pvalue)
    else:
        b = sum(1 for x, y in pairs if x == 1 and y == 0)
        c = sum(1 for x, y in pairs if x == 0 and y == 1)
        p = 1.0 if b + c == 0 else min(1.0, 2 * float(stats.binom.cdf(min(b, c), b + c, 0.5)))
    return {
        'name': name,
        'previous': [{'caseId': f'c{i}', 'passes': x[0], 'fails': x[1]} for i, x in enumerate(previous)],
        'current': [{'caseId': f'c{i}', 'passes': x[0], 'fails': x[1]} for i, x in enumerate(current)],
        'test': 'paired-t' if repeats else 'mcnemar-exact',
        'difference': mean, 'low': mean - half, 'high': mean + half, 'pValue': p,
    }

rng = random.Random(19)
def binary(n, p_before, p_after):
    prev = [(1, 0) if rng.random() < p_before else (0, 1) for _ in range(n)]
    cur = [(1, 0) if rng.random() < p_after else (0, 1) for _ in range(n)]
    return prev, cur
def repeated(n, k, p_before, p_after):
    def one(p):
        passes = sum(1 for _ in range(k) if rng.random() < p)
        return (passes, k - passes)
    return [one(p_before) for _ in range(n)], [one(p_after) for _ in range(n)]

cases = [
    case('ten regressions, one fix, 40 cases', [(1, 0)] * 30 + [(0, 1)] * 10, [(0, 1)] * 10 + [(1, 0)] * 20 + [(1, 0)] + [(0, 1)] * 9),
    case('three regressions, two fixes: noise', [(1, 0)] * 15 + [(0, 1)] * 5, [(0, 1)] * 3 + [(1, 0)] * 12 + [(1, 0)] * 2 + [(0, 1)] * 3),
    case('binary, 200 cases, 0.8 → 0.7', *binary(200, 0.8, 0.7)),
    case('binary, 2000 cases, 0.9 → 0.88', *binary(2000, 0.9, 0.88)),
    case('repeats 5, 60 cases, 0.8 → 0.6', *repeated(60, 5, 0.8, 0.6)),
    case('repeats 3, 30 cases, 0.7 → 0.72', *repeated(30, 3, 0.7, 0.72)),
    case('repeats 10, 12 cases, 0.5 → 0.9', *repeated(12, 10, 0.5, 0.9)),
]
# Paired tests on scores: each case's scores in the previous and the current run (repeats averaged, as
# sum / len); scipy.stats.ttest_rel on the means and scipy.stats.wilcoxon(current − previous) with its
# defaults (zero_method='wilcox', correction=False, method='auto': exact up to 50 pairs without zeros).
import warnings
warnings.simplefilter('ignore')

def score_case(name, previous, current):
    a = [sum(s) / len(s) for s in previous]
    b = [sum(s) / len(s) for s in current]
    d = [y - x for x, y in zip(a, b)]
    n = len(d)
    t = float(stats.ttest_rel(b, a).pvalue)
    if all(x == 0 for x in d):
        w = None
    else:
        res = stats.wilcoxon(d)
        exact = n <= 50 and not any(x == 0 for x in d)
        w = {'statistic': float(res.statistic), 'pValue': float(res.pvalue), 'method': 'exact' if exact else 'normal'}
    m = sum(d) / n
    sd = math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return {
        'name': name,
        'previous': [{'caseId': f'c{i}', 'scores': s} for i, s in enumerate(previous)],
        'current': [{'caseId': f'c{i}', 'scores': s} for i, s in enumerate(current)],
        'difference': m, 'low': m - half, 'high': m + half,
        'tPValue': None if math.isnan(t) else t,
        'wilcoxon': w,
    }

srng = random.Random(2021)
def scores(n, k, before, after, step=None):
    def one(mu):
        out = []
        for _ in range(k):
            x = min(1.0, max(0.0, srng.gauss(mu, 0.15)))
            out.append(round(x / step) * step if step else x)
        return out
    return [one(before) for _ in range(n)], [one(after) for _ in range(n)]

score_cases = [
    score_case('scores, 20 cases, continuous, 0.7 → 0.6 (exact)', *scores(20, 1, 0.7, 0.6)),
    score_case('scores, 12 cases, continuous, no real change (exact)', *scores(12, 1, 0.7, 0.7)),
    score_case('scores, 40 cases, tenths (ties and zeros: normal)', *scores(40, 1, 0.6, 0.65, 0.1)),
    score_case('scores, 30 cases, quarters, repeats 3 (ties and zeros: normal)', *scores(30, 3, 0.5, 0.6, 0.25)),
    score_case('scores, 200 cases, continuous, 0.8 → 0.78 (normal)', *scores(200, 1, 0.8, 0.78)),
    score_case('scores, 60 cases, repeats 5, 0.5 → 0.7 (normal)', *scores(60, 5, 0.5, 0.7)),
    score_case('scores, 15 cases, continuous, 0.8 → 0.5 (exact)', *scores(15, 1, 0.8, 0.5)),
    score_case('scores, 10 cases, ties without zeros (exact, tied rank sum)', [[0.5]] * 10, [[0.75], [0.75], [0.25], [1.0], [1.0], [1.0], [0.75], [0.0], [0.75], [1.0]]),
    score_case('scores, 8 cases, one change', [[1.0]] * 8, [[1.0]] * 7 + [[0.5]]),
    score_case('scores, 5 cases, nothing changed', [[0.5], [1.0], [0.0], [0.25], [1.0]], [[0.5], [1.0], [0.0], [0.25], [1.0]]),
]

print(json.dumps({'scipy': scipy.__version__, 'cases': cases, 'scores': score_cases}, indent=1))
