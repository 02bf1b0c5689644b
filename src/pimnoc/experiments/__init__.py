"""Experiments over many design points: topology comparisons and reproductions of published results.

The logic lives here, apart from the command line (`pimnoc.cli`), so that tests and
scripts can call it and get plain values back.
"""
