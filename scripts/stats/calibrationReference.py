# Expected values for test/unit/calibration.test.ts, from scikit-learn (Debian's python3-sklearn):
#   /usr/bin/python3 scripts/stats/calibrationReference.py > test/fixtures/calibration-reference.json
# Each case is a list of (judge verdict, person's rating) pairs, 1 = pass / good, 0 = fail / bad. kappa is
# sklearn.metrics.cohen_kappa_score (None where scikit-learn answers NaN: one verdict throughout on both
# sides), agreement is accuracy_score, confusion is confusion_matrix with labels [1, 0] (rows: person,
# columns: judge). The first case is the textbook example (Wikipedia, "Cohen's kappa": 20 yes/yes, 5, 10,
# 15 no/no; kappa 0.4 by hand), the rest are fixed and seeded random tables.
import json, math, random, warnings
import sklearn
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix

warnings.simplefilter('ignore')

def pairs_of(both_pass, judge_pass_human_fail, judge_fail_human_pass, both_fail):
    return [(1, 1)] * both_pass + [(1, 0)] * judge_pass_human_fail + [(0, 1)] * judge_fail_human_pass + [(0, 0)] * both_fail

def case(name, pairs):
    judge = [j for j, _ in pairs]
    human = [h for _, h in pairs]
    k = float(cohen_kappa_score(human, judge))
    cm = confusion_matrix(human, judge, labels=[1, 0]).tolist()
    return {
        'name': name,
        'pairs': [[j, h] for j, h in pairs],
        'kappa': None if math.isnan(k) else k,
        'agreement': float(accuracy_score(human, judge)),
        # rows: person good, bad; columns: judge pass, fail
        'confusion': {'bothPass': cm[0][0], 'judgeFailHumanPass': cm[0][1], 'judgePassHumanFail': cm[1][0], 'bothFail': cm[1][1]},
    }

rng = random.Random(21)
def noisy(n, flip):
    out = []
    for _ in range(n):
        h = 1 if rng.random() < 0.7 else 0
        j = h if rng.random() >= flip else 1 - h
        out.append((j, h))
    return out

cases = [
    case('textbook: 20/5/10/15 (kappa 0.4)', pairs_of(20, 5, 10, 15)),
    case('perfect agreement', pairs_of(12, 0, 0, 8)),
    case('perfect disagreement', pairs_of(0, 7, 9, 0)),
    case('judge always passes', pairs_of(30, 10, 0, 0)),
    case('everyone always passes (undefined)', pairs_of(15, 0, 0, 0)),
    case('lenient judge', pairs_of(40, 12, 3, 5)),
    case('strict judge', pairs_of(18, 1, 14, 17)),
    case('two pairs', pairs_of(1, 0, 0, 0) + pairs_of(0, 0, 1, 0)),
    case('random, 50 pairs, 10% flips', noisy(50, 0.1)),
    case('random, 200 pairs, 30% flips', noisy(200, 0.3)),
    case('random, 1000 pairs, 50% flips', noisy(1000, 0.5)),
]

print(json.dumps({'generatedBy': 'scripts/stats/calibrationReference.py', 'sklearn': sklearn.__version__, 'cases': cases}, indent=1))
