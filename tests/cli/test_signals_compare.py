#!/usr/bin/env python3
"""Compare `vigil signals --format csv` with an openEBGM ebScores reference.

usage: test_signals_compare.py VIGIL_CSV REF_CSV TOL_Q [TOL_EBGM]

Every reference pair must be present (and no other): N exactly; E, RR (=N/E)
and PRR to 1e-9 relative; EBGM, QUANT_05, QUANT_95 against the reference's
*_6dp columns within TOL (absolute, on the 6-decimal values: the reference
is rounded to 6 decimals and openEBGM's quantiles come from a bisection
stopped at half-width 0.5e-6, docs/SIGNALS.md), or, when TOL_EBGM ends in
'r', relative.  Prints the worst deviations; exits 1 on any failure.
"""
import csv
import math
import sys


def rel(a, b):
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def main():
    got_path, ref_path, tol_q = sys.argv[1], sys.argv[2], sys.argv[3]
    tol_e = sys.argv[4] if len(sys.argv) > 4 else tol_q
    got = {(r['product'], r['event']): r for r in csv.DictReader(open(got_path, newline=''))}
    ref = {(r['var1'], r['var2']): r for r in csv.DictReader(open(ref_path, newline=''))}
    fails = 0
    if set(got) != set(ref):
        print('pair sets differ: %d only in vigil, %d only in the reference'
              % (len(set(got) - set(ref)), len(set(ref) - set(got))))
        return 1
    worst = {}

    def check(name, dev, tol, key):
        nonlocal fails
        if dev > worst.get(name, (-1, None))[0]:
            worst[name] = (dev, key)
        if not dev <= tol:
            fails += 1
            if fails <= 10:
                print('FAIL %s %s: deviation %.3g > %.3g' % (key, name, dev, tol))

    def tol_of(spec):
        return (float(spec[:-1]), True) if spec.endswith('r') else (float(spec), False)

    for key, r in ref.items():
        g = got[key]
        if int(g['N']) != int(r['N']):
            fails += 1
            print('FAIL %s N %s != %s' % (key, g['N'], r['N']))
            continue
        n, e = float(g['N']), float(g['E'])
        check('E', rel(e, float(r['E'])), 1e-9, key)
        if 'RR_unrounded' in r:
            check('RR', rel(n / e, float(r['RR_unrounded'])), 1e-9, key)
            rp, gp = float(r['PRR_unrounded']), float(g['PRR'])
            if math.isinf(rp) or math.isinf(gp):
                check('PRR', 0.0 if rp == gp else math.inf, 1e-9, key)
            else:
                check('PRR', rel(gp, rp), 1e-9, key)
        for col, refcol, spec in (('EBGM', 'EBGM_6dp', tol_e), ('EB05', 'QUANT_05_6dp', tol_q),
                                  ('EB95', 'QUANT_95_6dp', tol_q)):
            tol, relative = tol_of(spec)
            a, b = float(g[col]), float(r[refcol])
            check(col, rel(a, b) if relative else abs(a - b), tol * (1 + 1e-9), key)
    for name, (dev, key) in sorted(worst.items()):
        print('worst %-5s %.3g at %s' % (name, dev, key))
    print('%d pairs, %d failures' % (len(ref), fails))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
