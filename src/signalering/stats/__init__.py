"""The statistics: pure functions over arrays, DataFrames and :class:`counts.CountTable`, each with its
formula and literature reference. They import nothing of the document layer, the specifications, the
input/output or the command line (tests/test_layers.py).
"""
