#!/usr/bin/env python3
"""Replicate openEBGM's CAERS long table K times with renamed products.

usage: bench/replicate_caers.py K [IN] > OUT.csv

Copy k (1..K) of every row gets the id "k-<id>" and the product
"<var1> #k"; events and strata are kept.  Copies share no report and no
product, so K copies hold K x 17,189 pairs (K = 50: 1,007,800 rows,
859,450 pairs), the input of openEBGM's 77 s whole-pipeline timing in
shared/refs/README.md.  Used by docs/PERFORMANCE.md ("signal").
"""
import csv
import os
import sys


def main():
    k = int(sys.argv[1])
    src = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'data', 'signal',
        'openEBGM_caers.csv')
    with open(src, newline='') as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    i_id, i_p = head.index('id'), head.index('var1')
    out = csv.writer(sys.stdout, lineterminator='\n')
    out.writerow(head)
    for c in range(1, k + 1):
        for r in body:
            r = list(r)
            r[i_id] = '%d-%s' % (c, r[i_id])
            r[i_p] = '%s #%d' % (r[i_p], c)
            out.writerow(r)


if __name__ == '__main__':
    main()
