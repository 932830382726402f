"""The demo packs' builders: one module per demo city, and what they share.

    python -m scripts.demo.niigata [--shared PATH] [--out DIR]   # service/demo_data/15100
    python -m scripts.demo.ube [--shared PATH] [--out DIR]       # service/demo_data/35202
    python -m scripts.demo.shunan [--shared PATH] [--out DIR]    # service/demo_data/35215

All read the real files of ../shared/data (see its README.md) and write byte-identical packs on
every run: fixed seeds, no timestamps, sorted features, coordinates rounded to 7 decimals.
"""
