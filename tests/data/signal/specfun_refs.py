#!/usr/bin/env python3
"""Reference values for vigil's special functions (tests/unit/test_specfun.c).

Run: python3 tests/data/signal/specfun_refs.py > tests/data/signal/specfun_refs.inc
Needs mpmath (tested with 1.3.0); every value is computed at 60 significant
digits and printed with 17, so the references are correctly rounded doubles.
"""
import mpmath as mp

mp.mp.dps = 60


def D(s):
    """The double nearest to the decimal s, as an exact mpf: references are
    for the argument the C code actually receives."""
    return mp.mpf(float(s))


def A(s):
    """The argument as C source: the shortest repr of that double."""
    return repr(float(s))


def f(x):
    # Values a double cannot hold (below 1e-300) are written as 0.
    if 0 < abs(mp.mpf(x)) < mp.mpf('1e-300'):
        return '0.0'
    return mp.nstr(mp.mpf(x), 17, min_fixed=-1, max_fixed=-1)


def lgamma_rows():
    xs = ['1e-300', '1e-100', '1e-10', '1e-5', '0.001', '0.1', '0.3', '0.5',
          '0.9', '0.99', '0.999999', '1', '1.000001', '1.01', '1.1', '1.4616321449683623',
          '1.5', '1.9', '1.99', '1.999999', '2', '2.000001', '2.01', '2.4', '2.5', '3',
          '3.5', '7.25', '10', '11.999', '12', '12.5', '25.3', '100', '1000.5', '12345.678',
          '5e5', '500000.5', '1e7', '1e15', '1e100', '1e300']
    for x in xs:
        print('\t{%s, %s},' % (A(x), f(mp.loggamma(D(x)))))


def digamma_rows(order):
    xs = ['1e-8', '1e-3', '0.1', '0.5', '1', '1.3', '1.45', '1.5', '2', '2.5', '5.5',
          '9.99', '10', '10.01', '33.3', '100', '1e4', '500000.5', '1e8', '1e12']
    for x in xs:
        print('\t{%s, %s},' % (A(x), f(mp.polygamma(order, D(x)))))


def lower_reg(A, X):
    # P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ... (a + n)):
    # every term positive, so at 60 digits the sum is exact to far below a
    # double's precision; mpmath's own hypergeometric route gives up at a ~ 1e5.
    term = mp.mpf(1)
    total = mp.mpf(1)
    n = 0
    while True:
        n += 1
        term *= X / (A + n)
        total += term
        if term < total * mp.mpf(10) ** -55 and A + n > X:
            break
    return total * mp.exp(A * mp.log(X) - X - mp.loggamma(A + 1))


def gammainc_rows():
    pts = [('0.001', '1e-5'), ('0.001', '0.5'), ('0.1', '0.01'), ('0.5', '0.1'),
           ('0.5', '3'), ('1', '1'), ('1.5', '0.2'), ('1.5', '1.5'), ('1.5', '40'),
           ('2.5', '2'), ('3.25', '10'), ('10', '3'), ('10', '10'), ('10', '30'),
           ('30.5', '25'), ('30.5', '30.5'), ('30.5', '40'), ('100', '90'), ('100', '100'),
           ('100', '115'), ('1000.5', '950'), ('1000.5', '1000'), ('1000.5', '1100'),
           ('12345.5', '12000'), ('12345.5', '12345'), ('12345.5', '12700'),
           ('500000.5', '498000'), ('500000.5', '499999'), ('500000.5', '500000.5'),
           ('500000.5', '501000'), ('500000.5', '502500'), ('3e6', '2.997e6'),
           ('3e6', '3.003e6'), ('1.25', '1e-8'), ('1e4', '1e2'), ('50', '200')]
    for a, x in pts:
        Aa, Xx = D(a), D(x)
        P = lower_reg(Aa, Xx)
        Q = 1 - P if P < 0.5 else mp.gammainc(Aa, Xx, mp.inf, regularized=True)
        print('\t{%s, %s, %s, %s},' % (A(a), A(x), f(P), f(Q)))


def gamma_quantile_rows():
    shapes = ['0.01', '0.5', '1', '1.5', '2.5', '10.5', '100.5', '1000.5', '250000.5',
              '500000.5']
    probs = ['1e-10', '0.025', '0.05', '0.5', '0.95', '0.975', '0.999999']
    for a in shapes:
        A_ = D(a)
        for p in probs:
            P = D(p)
            x = root(A_, P)
            print('\t{%s, %s, %s},' % (A(a), A(p), f(x)))


def root(A, P):
    # Bracket around the Wilson-Hilferty guess, then Illinois (regula falsi).
    g = start_guess(A, P)
    lo, hi = g / 2, g * 2
    while lower_reg(A, lo) > P:
        lo /= 4
    while lower_reg(A, hi) < P:
        hi *= 4
    # Newton on P(a, x) - p, kept inside the bracket (bisection otherwise).
    x = g if lo < g < hi else (lo + hi) / 2
    for _ in range(400):
        fx = lower_reg(A, x) - P
        if fx > 0:
            hi = x
        else:
            lo = x
        dens = mp.exp((A - 1) * mp.log(x) - x - mp.loggamma(A))
        nx = x - fx / dens
        if not (lo < nx < hi):
            nx = (lo + hi) / 2
        if abs(nx - x) < x * mp.mpf(10) ** -40:
            return nx
        x = nx
    raise RuntimeError('no convergence')


def start_guess(A, P):
    # Wilson-Hilferty start; refined by findroot's secant steps.
    z = mp.sqrt(2) * mp.erfinv(2 * P - 1)
    g = A * (1 - 1 / (9 * A) + z / (3 * mp.sqrt(A))) ** 3
    if g <= 0 or A < 1:
        g = (P * mp.gamma(A + 1)) ** (1 / A)
    return g


def norm_quantile_rows():
    for p in ['1e-300', '1e-20', '1e-10', '0.001', '0.025', '0.05', '0.3', '0.5', '0.7',
              '0.975', '0.999', '0.999999']:
        P = mp.mpf(p)
        # 700 digits so that 2p - 1 keeps p = 1e-300 exactly
        with mp.workdps(700):
            z = mp.sqrt(2) * mp.erfinv(2 * D(p) - 1)
        print('\t{%s, %s},' % (A(p), f(z)))


print('/* Generated by tests/data/signal/specfun_refs.py (mpmath %s, 60 digits). */'
      % mp.__version__)
print('static const double ref_lgamma[][2] = {'); lgamma_rows(); print('};')
print('static const double ref_digamma[][2] = {'); digamma_rows(0); print('};')
print('static const double ref_trigamma[][2] = {'); digamma_rows(1); print('};')
print('/* a, x, P(a,x), Q(a,x) */')
print('static const double ref_gammainc[][4] = {'); gammainc_rows(); print('};')
print('/* shape, p, x with P(shape, x) = p (rate 1) */')
print('static const double ref_gamma_quantile[][3] = {'); gamma_quantile_rows(); print('};')
print('static const double ref_norm_quantile[][2] = {'); norm_quantile_rows(); print('};')
